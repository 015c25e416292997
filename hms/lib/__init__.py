"""The shared package: what every app needs, written once. It imports no app (checked
by import-linter in `make lint`): conflict-aware editing, bounds of what comes in,
exports, CSV import, number formats, trees of ids (the unit tree's walks), the outbox of
e-mail notices, the broker, job rows.
A Django app with the label "hms" (its models: `hms.lib.models`)."""
