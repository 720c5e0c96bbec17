"""Importers that turn scraped or exported discussions into veche data."""
