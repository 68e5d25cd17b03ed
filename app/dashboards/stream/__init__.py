"""The live stream (SSE): committed changes to cases, as the caller may see them (docs/stream.md)."""
