"""The command-centre dashboard page: the built web/dashboard served at /dashboard/."""
