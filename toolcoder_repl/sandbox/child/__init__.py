"""Code that runs inside the sandbox child: standard library only, never imported by the host."""
