"""Open311 GeoReport v2 at /open311/v2/ (docs/open311.md): XML and JSON, the spec's error envelope."""
