"""Administration: user accounts, their training, the audit log, API tokens and the export
log."""

from fieldapp.web.admin import export_log, tokens, training
from fieldapp.web.admin.views import bp

__all__ = ["bp", "export_log", "tokens", "training"]
