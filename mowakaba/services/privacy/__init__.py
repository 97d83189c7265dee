"""Privacy: retention and purge, legal holds, objection and deletion requests (docs/privacy.md).

- `retention`: when each record class of a youth falls due, which youths are due, the
  age-based classes (audit trail, notifications);
- `purge`: one youth, a set of classes, in the caller's transaction, audited;
- `pseudonymise`: the case file's identity replaced, what the indicators read kept;
- `holds`, `requests`: legal holds; objection and deletion requests.
"""
