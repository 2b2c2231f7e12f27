"""Command modules; each registers its commands on `commands.app.app`."""
