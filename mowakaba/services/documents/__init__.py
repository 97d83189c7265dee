"""A youth's documents: upload (the file first, then the row), list, read, retire.

The file is written and checked before any row exists (`storage`, `content`); `add_document`
(`records`) records it, retires the older document it replaces (cancelling that one's
renewal), and meets the exit checklist item it answers (`checklist`); `renewals` is the
sweep's phase for documents about to expire. Nothing is ever deleted: a document is retired.
The edge commits, and removes the file when the commit fails.
"""

from mowakaba.services.documents.queries import current_documents, get_document, list_documents
from mowakaba.services.documents.records import add_document, retire_document

__all__ = ["add_document", "current_documents", "get_document", "list_documents", "retire_document"]
