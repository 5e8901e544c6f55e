//! `middesk-webhooks middesk show|register|sync`: the Middesk side of a stack as code. The
//! webhook is found by the stack's `WebhookUrl`; `register` creates or updates it with the
//! signing secret, `sync` brings its event types, URL and state in line without touching the
//! secret, `--dry-run` prints what would change. Secrets and API keys are never printed.

use middesk_webhooks::catalogue::CATALOGUE;
use middesk_webhooks::middesk::api::{Plan, WebhookSpec, WebhooksApi, find_by_url, plan};
use middesk_webhooks::middesk::rotation::{SecretDescription, VersionStore};
use middesk_webhooks::verify::routing::matches_pattern;
use middesk_webhooks::verify::secret::{GIVEN_TO_MIDDESK_STAGE, parse_secret_text};

/// The version of the signing secret `register` gives Middesk, and why: the one Middesk should
/// have, never one a rotation has moved past. During a rotation that is the pending version
/// (the verifier accepts it; giving Middesk the current one would roll it back, and the
/// rotation's finishSecret would then leave Middesk signing with the previous secret). After a
/// rotation abandoned past its `setSecret`, the version it gave Middesk. Otherwise the current.
pub fn version_for_middesk(description: &SecretDescription) -> Option<(&str, &'static str)> {
    let has = |id: &str, stage: &str| description.stages_of(id).iter().any(|s| s == stage);
    if let Some(pending) = description.version_with("AWSPENDING") {
        return Some((pending, "the pending version: a rotation is under way"));
    }
    let given = description.version_with(GIVEN_TO_MIDDESK_STAGE);
    if let Some(given) = given.filter(|id| !has(id, "AWSCURRENT") && !has(id, "AWSPREVIOUS")) {
        return Some((given, "the version an unfinished rotation gave Middesk"));
    }
    description.version_with("AWSCURRENT").map(|current| (current, "the current version"))
}

/// What the command does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Print the webhook.
    Show,
    /// Create or update it, secret included.
    Register,
    /// Update an existing one, secret excluded.
    Sync,
}

/// The types a stack asks Middesk for: `*` (every type, those Middesk adds later reaching the
/// catch-all), or the documented types its routes name (exact types, and the types of each
/// routed family).
pub fn enabled_events(all: bool, route_patterns: &[String]) -> Vec<String> {
    if all {
        return vec!["*".to_owned()];
    }
    CATALOGUE
        .iter()
        .map(|e| e.event_type)
        .filter(|t| route_patterns.iter().any(|p| matches_pattern(p, t)))
        .map(str::to_owned)
        .collect()
}

/// The outcome: the lines to print, and whether all is well (`show` of a missing or disabled
/// webhook is not).
#[derive(Debug)]
pub struct Report {
    /// What to print.
    pub lines: Vec<String>,
    /// False when the webhook needs attention.
    pub ok: bool,
}

/// Runs `action` against Middesk: `secret` is the stack's signing secret (needed by
/// `register` only).
pub async fn run<A: WebhooksApi>(
    api: &A,
    action: Action,
    spec: &WebhookSpec,
    secret: Option<&str>,
    dry_run: bool,
) -> Result<Report, String> {
    let webhooks = api.list().await.map_err(|e| e.to_string())?;
    let current = find_by_url(&webhooks, &spec.url).map_err(|e| e.to_string())?;
    let mut lines = Vec::new();
    if action == Action::Show {
        let Some(w) = current else {
            let others = webhooks.iter().map(|w| format!("  {} {}", w.id, w.url));
            lines.push(format!(
                "no Middesk webhook delivers to {}; the account has {}:",
                spec.url,
                webhooks.len()
            ));
            lines.extend(others);
            lines.push("register it: middesk-webhooks middesk register".to_owned());
            return Ok(Report { lines, ok: false });
        };
        lines.push(format!("webhook {}", w.id));
        lines.push(format!("  url             {}", w.url));
        lines.push(format!("  enabled_events  {}", w.enabled_events.join(",")));
        lines.push(format!("  include         {}", w.include.as_deref().unwrap_or("(all)")));
        let state = match &w.disabled_at {
            Some(at) => format!(
                "DISABLED since {at}: Middesk delivers nothing (middesk-webhooks middesk sync enables it)"
            ),
            None => "enabled".to_owned(),
        };
        lines.push(format!("  state           {state}"));
        let differs = !matches!(plan(Some(w), spec, None), Plan::InSync(_));
        if differs {
            lines.push("  differs from the stack: see middesk-webhooks middesk sync --dry-run".to_owned());
        }
        return Ok(Report { lines, ok: w.disabled_at.is_none() && !differs });
    }
    let secret = match action {
        Action::Register => Some(secret.ok_or("register needs the stack's signing secret (--secret-id)")?),
        _ => None,
    };
    let verb = if dry_run { "would" } else { "will" };
    match (plan(current, spec, secret), action) {
        (Plan::Create, Action::Sync) => {
            return Err(format!(
                "no Middesk webhook delivers to {}: register it first (middesk-webhooks middesk register)",
                spec.url
            ));
        }
        (Plan::Create, _) => {
            lines.push(format!("no webhook delivers to {}; {verb} create one:", spec.url));
            lines.push(format!("  enabled_events: {}", spec.enabled_events.join(",")));
            if let Some(include) = &spec.include {
                lines.push(format!("  include: {include}"));
            }
            lines.push("  secret: (the stack's signing secret)".to_owned());
            if !dry_run {
                let created =
                    api.create(spec, secret.unwrap_or_default()).await.map_err(|e| e.to_string())?;
                lines.push(format!("created webhook {}", created.id));
            }
        }
        (Plan::Update { current, update }, _) => {
            lines.push(format!("webhook {}: {verb} change", current.id));
            lines.extend(update.describe(&current).into_iter().map(|l| format!("  {l}")));
            if !dry_run {
                api.update(&current.id, &update).await.map_err(|e| e.to_string())?;
                lines.push(format!("updated webhook {}", current.id));
            }
        }
        (Plan::InSync(current), _) => {
            lines.push(format!("webhook {} is in sync; nothing to change", current.id))
        }
    }
    if dry_run {
        lines.push("dry run: nothing changed".to_owned());
    }
    Ok(Report { lines, ok: true })
}

/// How many times `register` gives Middesk the secret, at most, while rotations move it on.
const REGISTER_ATTEMPTS: usize = 3;

/// `register`: gives Middesk the version it should have ([`version_for_middesk`]), then looks
/// at the secret again. A rotation's `setSecret` may give Middesk a newer secret between this
/// read and this write, and the write would put Middesk back on a secret the rotation moves
/// past. So while the version to give has changed, it gives the new one. It stops once the one
/// it gave is still the one to give: any later `setSecret` writes after it, with a newer one.
pub async fn register<S: VersionStore, A: WebhooksApi>(
    store: &S,
    secret_id: &str,
    api: &A,
    spec: &WebhookSpec,
    dry_run: bool,
) -> Result<Report, String> {
    let mut given: Option<(String, Report)> = None;
    for attempt in 0..=REGISTER_ATTEMPTS {
        let description = store.describe(secret_id).await.map_err(|e| format!("secret {secret_id}: {e}"))?;
        let (id, why) = version_for_middesk(&description)
            .ok_or_else(|| format!("secret {secret_id} has no AWSCURRENT version"))?;
        if let Some((given_id, report)) = given.take() {
            if given_id == id {
                return Ok(report);
            }
            eprintln!("secret: a rotation moved on while register ran; now {why} ({id})");
        }
        if attempt == REGISTER_ATTEMPTS {
            break;
        }
        let secret = labelled_for_middesk(store, secret_id, &description, (id, why), dry_run).await?;
        let report = run(api, Action::Register, spec, Some(&secret), dry_run).await?;
        if dry_run {
            return Ok(report);
        }
        given = Some((id.to_owned(), report));
    }
    Err(format!(
        "secret {secret_id}: rotations kept moving the secret while register ran; run register again"
    ))
}

/// The value of version `id` of the signing secret, labelled `MIDDESK_SIGNING` first (unless
/// `dry_run`), as the rotator's setSecret labels it: the verifier then accepts it whatever
/// becomes of a rotation under way.
async fn labelled_for_middesk<S: VersionStore>(
    store: &S,
    secret_id: &str,
    description: &SecretDescription,
    (id, why): (&str, &str),
    dry_run: bool,
) -> Result<String, String> {
    let failed = |e: String| format!("secret {secret_id}: {e}");
    let version = store.by_id(secret_id, id).await.map_err(failed)?.ok_or_else(|| {
        format!("secret {secret_id}: version {id} ({why}) has no value yet; run register again when it has")
    })?;
    let secret = parse_secret_text(&version.value).map_err(|e| failed(e.to_string()))?;
    eprintln!("secret: {why} ({id})");
    let holder = description.version_with(GIVEN_TO_MIDDESK_STAGE);
    if !dry_run && holder != Some(id) {
        store.move_stage(secret_id, GIVEN_TO_MIDDESK_STAGE, Some(id), holder).await.map_err(|e| {
            format!(
                "secret {secret_id}: could not label version {id} {GIVEN_TO_MIDDESK_STAGE} before giving it to Middesk: {e}"
            )
        })?;
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_gives_middesk_the_version_it_should_have() {
        let described = |versions: &[(&str, &[&str])]| SecretDescription {
            rotation_enabled: true,
            versions: versions
                .iter()
                .map(|(id, stages)| (id.to_string(), stages.iter().map(|s| s.to_string()).collect()))
                .collect(),
        };
        let chosen = |d: &SecretDescription| version_for_middesk(d).map(|(id, _)| id.to_owned());
        let settled = described(&[("c", &["AWSCURRENT", GIVEN_TO_MIDDESK_STAGE]), ("p", &["AWSPREVIOUS"])]);
        assert_eq!(chosen(&settled).as_deref(), Some("c"));
        let rotating = described(&[("c", &["AWSCURRENT"]), ("n", &["AWSPENDING"])]);
        assert_eq!(chosen(&rotating).as_deref(), Some("n"));
        let abandoned = described(&[("c", &["AWSCURRENT"]), ("n", &[GIVEN_TO_MIDDESK_STAGE])]);
        assert_eq!(chosen(&abandoned).as_deref(), Some("n"));
        // A label left on the previous version (a rotation finished by hand) is not a reason.
        let stale = described(&[("c", &["AWSCURRENT"]), ("p", &["AWSPREVIOUS", GIVEN_TO_MIDDESK_STAGE])]);
        assert_eq!(chosen(&stale).as_deref(), Some("c"));
        assert_eq!(chosen(&described(&[])), None);
    }

    #[test]
    fn all_is_the_wildcard_and_routes_name_documented_types() {
        assert_eq!(enabled_events(true, &[]), vec!["*"]);
        let routed = enabled_events(false, &["business.updated".into(), "order.*".into()]);
        assert!(routed.contains(&"business.updated".to_owned()));
        assert!(routed.iter().any(|t| t.starts_with("order.")));
        assert!(routed.iter().all(|t| t == "business.updated" || t.starts_with("order.")), "{routed:?}");
    }
}
