"""SSH to the nodes: pinned host keys, key/agent/password auth, sudo, SFTP."""
