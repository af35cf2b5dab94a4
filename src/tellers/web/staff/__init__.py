"""Staff sign-in: throttled passwords (django-axes) and authenticator codes (django-otp)."""
