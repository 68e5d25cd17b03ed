"""Maps and browsing for command centres: GeoJSON of reports and grids, H3 heatmaps, the region
tree, grid and patrol lists, and the streamed exports (export.py)."""
