"""Photos on reports: sniffed, size-capped, stored once per SHA-256, served without EXIF."""
