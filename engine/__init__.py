"""kctui's engine: what kctui does, with no user interface.

Grouped by domain, each layer importing only the ones below it (checked by import-linter):

- `operations`, `doctor`: compose the domains (every local action in one table; run any
  stored operation with the service that owns its type; check a data dir).
- `clusters/`: the cluster service, spec validation, local actions and `plan/` (create, delete,
  kubeadm, runtime, add-ons).
- `backups/`: backup points, backups, schedules and their scheduler, S3, local actions, plan.
- `nodes/`: the node service, facts, inventory import.
- `catalog/`: versions, packages, resource packages, image registries.
- `execution/`: the runner, its events, owner locks, redaction, plan rendering and local-action
  plumbing. It knows no domain: the local actions a plan calls come in as a table.
- `ssh/`: connections, pinned host keys, the pool, terminals.
- `grammar`, `errors`: what every layer shares.
"""
