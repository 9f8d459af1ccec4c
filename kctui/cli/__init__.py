"""The `kctui` command line: one module per noun, each adding its own subcommands."""
