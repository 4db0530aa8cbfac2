"""policy: a compliance checklist for Chinese government policy documents."""

__version__ = "0.1.0"
