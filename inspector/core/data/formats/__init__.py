"""Input formats: one small class per layout of rows (`base.InputFormat`), listed once in
`registry.REGISTRY`; each detects its columns, normalizes a row into a `Conversation` and may
measure its rows straight from Arrow (`columnar`)."""
