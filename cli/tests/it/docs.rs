//! The Markdown of the repository as a reader follows it:
//! - every relative link and anchor resolves;
//! - every `middesk-webhooks` command in a code block names a real subcommand and real flags;
//! - every `./scripts/…` it names exists;
//! - the blocks marked for it run as written;
//! - every page keeps its sentences short (`scripts/doc-sentences`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap()
}

/// Every Markdown file of the repository, outside build output, tool installs and fuzz corpora.
fn markdown_files() -> Vec<PathBuf> {
    const SKIP: [&str; 4] = ["target", ".git", "node_modules", ".aws-sam"];
    let mut found = Vec::new();
    let mut dirs = vec![repo()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            // Every `.venv*` is a tool install (moto, SAM, checkov), `.local*` a run's scratch.
            let skipped =
                SKIP.contains(&name.as_str()) || name.starts_with(".local") || name.starts_with(".venv");
            if path.is_dir() && !skipped {
                dirs.push(path);
            } else if name.ends_with(".md") {
                found.push(path);
            }
        }
    }
    found.sort();
    assert!(found.len() >= 10, "{found:?}");
    found
}

/// The text of a Markdown file outside its fenced code blocks, line by line (code lines blank).
fn prose(text: &str) -> Vec<String> {
    let mut fenced = false;
    text.lines()
        .map(|line| {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
                return String::new();
            }
            if fenced { String::new() } else { line.to_owned() }
        })
        .collect()
}

/// GitHub's anchor of a heading: lower case, punctuation but `-` and `_` dropped, spaces as `-`.
fn slug(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a Markdown file's headings (a repeated one gets `-1`, `-2`, as on GitHub).
fn anchors(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in prose(text) {
        let Some(heading) = line.strip_prefix('#').map(|h| h.trim_start_matches('#')) else { continue };
        if !heading.starts_with(' ') {
            continue;
        }
        let base = slug(heading.trim());
        let mut anchor = base.clone();
        let mut n = 0;
        while out.contains(&anchor) {
            n += 1;
            anchor = format!("{base}-{n}");
        }
        out.insert(anchor);
    }
    out
}

/// The targets of a line's `[text](target)` links, outside inline code.
fn link_targets(line: &str) -> Vec<String> {
    let mut outside_code = String::new();
    for (i, part) in line.split('`').enumerate() {
        if i % 2 == 0 {
            outside_code.push_str(part);
        }
        outside_code.push(' ');
    }
    let mut targets = Vec::new();
    let mut rest = outside_code.as_str();
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        if let Some(end) = rest.find(')') {
            targets.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    targets
}

#[test]
fn every_relative_link_and_anchor_in_the_markdown_resolves() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for file in markdown_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in prose(&text).iter().enumerate() {
            for target in link_targets(line) {
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                checked += 1;
                let (path, anchor) = target.split_once('#').unwrap_or((&target, ""));
                let resolved = match path {
                    "" => file.clone(),
                    path => file.parent().unwrap().join(path),
                };
                let shown = format!("{}:{}: {target}", file.strip_prefix(repo()).unwrap().display(), n + 1);
                if !resolved.exists() {
                    broken.push(format!("{shown} (no such file)"));
                    continue;
                }
                if !anchor.is_empty() {
                    let target_text = std::fs::read_to_string(&resolved).unwrap_or_default();
                    if !anchors(&target_text).contains(anchor) {
                        broken.push(format!("{shown} (no such heading)"));
                    }
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert!(checked > 30, "only {checked} links found: the scan is broken");
}

#[test]
fn the_link_checker_finds_a_broken_anchor_and_file() {
    let text = "# Title\n\n## The `middesk-webhooks` CLI\n\n```sh\n# not a heading\n```\n## Title\n";
    let found = anchors(text);
    assert_eq!(found, BTreeSet::from(["title".into(), "the-middesk-webhooks-cli".into(), "title-1".into()]));
    assert_eq!(link_targets("see [a](docs/a.md#x) and `[b](c.md)` and [d](#e)"), ["docs/a.md#x", "#e"]);
    assert_eq!(
        without_substitutions(r#"send --secret "$(aws x --query "$(y)")" --url u"#),
        r#"send --secret "$SUB" --url u"#
    );
}

/// Every `middesk-webhooks …` command line in the Markdown's code blocks, with where it is.
fn documented_commands() -> Vec<(String, String)> {
    let mut commands = Vec::new();
    for file in markdown_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut fenced = false;
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
                continue;
            }
            let line = line.trim();
            let command = line
                .strip_prefix("middesk-webhooks ")
                .or_else(|| line.split_once("cargo run -q -p middesk-webhooks-cli -- ").map(|(_, c)| c))
                .or_else(|| line.split_once("cargo run -p middesk-webhooks-cli -- ").map(|(_, c)| c));
            // Not `middesk-webhooks = { … }` in a Cargo.toml block.
            let command = command.filter(|c| !c.starts_with('='));
            if let (true, Some(command)) = (fenced, command) {
                let place = format!("{}:{}", file.strip_prefix(repo()).unwrap().display(), n + 1);
                // A shell comment ends the command; a command substitution is another command.
                let command = command.split(" # ").next().unwrap_or_default().trim();
                commands.push((place, without_substitutions(command)));
            }
        }
    }
    commands
}

/// `command` with each `$(…)` replaced by `$SUB`.
fn without_substitutions(command: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    let mut chars = command.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' if chars.peek() == Some(&'(') => {
                chars.next();
                if depth == 0 {
                    out.push_str("$SUB");
                }
                depth += 1;
            }
            '(' if depth > 0 => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            c => out.push(c),
        }
    }
    out
}

#[test]
fn every_documented_command_names_a_real_subcommand_and_real_flags() {
    let commands = documented_commands();
    assert!(commands.len() > 15, "{commands:?}");
    let mut wrong = Vec::new();
    for (place, command) in &commands {
        // The subcommand path: the words before the first flag or argument that is not one.
        let words: Vec<&str> = command.split_whitespace().collect();
        let mut path = Vec::new();
        for word in &words {
            if word.starts_with('-') || word.starts_with('<') || word.contains(['.', '/', '"', '$', '|']) {
                break;
            }
            path.push(*word);
            let help = Command::new(env!("CARGO_BIN_EXE_middesk-webhooks"))
                .args(&path)
                .arg("--help")
                .output()
                .unwrap();
            if !help.status.success() {
                path.pop();
                break;
            }
        }
        let help =
            Command::new(env!("CARGO_BIN_EXE_middesk-webhooks")).args(&path).arg("--help").output().unwrap();
        let help = String::from_utf8_lossy(&help.stdout).into_owned();
        if path.is_empty() && !command.starts_with("--help") {
            wrong.push(format!("{place}: `{command}`: no such subcommand"));
            continue;
        }
        for flag in words.iter().filter(|w| w.starts_with("--")) {
            let flag = flag.split('=').next().unwrap_or_default();
            if !help.contains(&format!("{flag} "))
                && !help.contains(&format!("{flag}\n"))
                && !help.contains(&format!("{flag},"))
            {
                wrong.push(format!("{place}: `{command}`: `{} --help` has no {flag}", path.join(" ")));
            }
        }
    }
    assert!(wrong.is_empty(), "commands that do not run as written:\n{}", wrong.join("\n"));
}

#[test]
fn every_script_the_markdown_names_exists_and_runs() {
    let mut missing = BTreeSet::new();
    for file in markdown_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        for word in text.split(|c: char| c.is_whitespace() || c == '`' || c == '(' || c == ')') {
            let Some(script) = word.strip_prefix("./scripts/") else { continue };
            let script: String = script.chars().take_while(|c| c.is_alphanumeric() || *c == '-').collect();
            let path = repo().join("scripts").join(&script);
            let executable = std::fs::metadata(&path).is_ok_and(|m| {
                use std::os::unix::fs::PermissionsExt as _;
                m.permissions().mode() & 0o111 != 0
            });
            if !executable {
                missing
                    .insert(format!("{}: ./scripts/{script}", file.strip_prefix(repo()).unwrap().display()));
            }
        }
    }
    assert!(missing.is_empty(), "{missing:?}");
}

#[test]
fn the_blocks_marked_to_run_run_as_written() {
    const MARK: &str = "<!-- runs as written: cli/tests/it/docs.rs -->";
    let bin = Path::new(env!("CARGO_BIN_EXE_middesk-webhooks")).parent().unwrap().to_owned();
    let mut ran = 0;
    for file in markdown_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        for (_, after) in text.match_indices(MARK).map(|(at, _)| text.split_at(at + MARK.len())) {
            let block = after.trim_start().strip_prefix("```sh\n").expect("a ```sh block after the mark");
            let script = &block[..block.find("\n```").expect("the block ends")];
            // Under pipefail, `… | grep -q` fails at random: grep leaves at its first match and
            // the writer, still writing, dies of SIGPIPE (exit 141, no message).
            assert!(
                !script.contains("| grep -q"),
                "{}: a marked block pipes into `grep -q`, which fails under pipefail whenever the writer outlives grep:\n{script}",
                file.display()
            );
            let dir = std::env::temp_dir().join(format!("docs-block-{}-{ran}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
            let output = Command::new("bash")
                .args(["-euo", "pipefail", "-c", script])
                .current_dir(&dir)
                .env("PATH", path)
                .output()
                .unwrap();
            assert!(
                output.status.success(),
                "{}: the block failed ({}):\n{script}\n{}{}",
                file.display(),
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            ran += 1;
        }
    }
    assert!(ran >= 1, "no block is marked to run");
}

/// `scripts/doc-sentences` on `files` (relative to the repository), with its output.
fn doc_sentences(files: &[&Path]) -> (bool, String) {
    let output = Command::new("python3")
        .arg(repo().join("scripts/doc-sentences"))
        .args(files)
        .current_dir(repo())
        .output()
        .expect("python3 runs scripts/doc-sentences");
    (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn every_page_of_the_readme_and_docs_keeps_its_sentences_short() {
    // A median under 20 words a page, none over 50: what a newcomer can scan.
    let (ok, report) = doc_sentences(&[]);
    assert!(ok, "scripts/doc-sentences:\n{report}");
    let pages = report.lines().filter(|l| l.starts_with("README.md") || l.starts_with("docs/")).count();
    let expected = std::fs::read_dir(repo().join("docs")).unwrap().count() + 1;
    assert_eq!(pages, expected, "every page is measured:\n{report}");
}

#[test]
fn the_sentence_check_refuses_a_long_sentence_and_a_long_median() {
    let dir = std::env::temp_dir().join(format!("doc-sentences-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let long = dir.join("long.md");
    let words = |n: usize| vec!["word"; n].join(" ");
    std::fs::write(&long, format!("# T\n\n{}.\n\n```sh\n{}\n```\n", words(51), words(80))).unwrap();
    let (ok, report) = doc_sentences(&[&long]);
    assert!(!ok && report.contains("longest"), "{report}");
    let median = dir.join("median.md");
    std::fs::write(&median, format!("{}. {}. Short one.\n", words(22), words(21))).unwrap();
    assert!(!doc_sentences(&[&median]).0);
    // Tables, headings and code blocks are not prose; a list item is its own sentence.
    let fine = dir.join("fine.md");
    let table_row = format!("| {} |", words(60));
    std::fs::write(&fine, format!("# {}\n\n{table_row}\n\n- {}\n- {}\n", words(60), words(12), words(12)))
        .unwrap();
    let (ok, report) = doc_sentences(&[&fine]);
    assert!(ok, "{report}");
    std::fs::remove_dir_all(&dir).unwrap();
}
