"""Writers: the only stage (with the CLI and the cache) that touches the file system."""
