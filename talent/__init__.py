"""The talent engine: verified skills, role requirements, coverage, ranking, shortlists, storage."""
