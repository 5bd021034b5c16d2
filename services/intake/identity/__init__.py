"""Identity checks of applicants against the National Population Database: at receipt and later."""
