"""Storage: tables, the SQL store, migrations. The only package that speaks SQL."""
