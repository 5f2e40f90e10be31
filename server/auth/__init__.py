"""OAuth and account machinery shared by the account providers (logins, credential files, refresh)."""
