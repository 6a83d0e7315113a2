"""Private helpers: atomic files and locks, canonical codec, time, i18n."""
