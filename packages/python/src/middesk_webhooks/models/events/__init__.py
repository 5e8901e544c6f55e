# Generated from shared/schemas/ by scripts/generate-types (datamodel-code-generator): do not edit.
