"""The signed result a unit issues at the end of a dossier: rendered, signed (PAdES), stored, announced.

Routing's :class:`~shared.contracts.ResultRequested` names the issuing unit and the kind (the result
after the last stage, or a refusal letter). :mod:`.issuing` renders the PDF from the procedure's
template (:mod:`.templates`, :mod:`.rendering`), has it signed with the unit's key (the
:class:`~.signing.Signer` port; locally :mod:`.local_ca` issues each unit's certificate from the
deployment's certificate authority), stores it in the object store under its hash, records it
(``department.results``) and sends :class:`~shared.contracts.ResultIssued`. :mod:`.verification`
checks a signed file the way anyone holding it can.
"""
