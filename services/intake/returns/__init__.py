"""The result handed back to the applicant: at the counter, by post, or downloaded online."""
