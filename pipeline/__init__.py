"""Hémicycle: French parliamentary debates → audiobooks and read-along EPUB 3."""
