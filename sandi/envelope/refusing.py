"""Refuse an authentic envelope with a signed receipt saying so.

When a recipient's pola does not allow a document (the flow or the level's
requirement), its sender should hear that rather than wait for a receipt that
never comes. :func:`refuse` makes a receipt with outcome ``refused`` and reason
``policy``, but only for an envelope that is otherwise wholly verified: addressed
to a key this keystore holds (the stanza unwraps and matches the key commitment),
signed by the sender's key valid at its creation time, and its signature over the
header and payload good. Anything else is refused with no receipt at all, so
nobody can make a recipient sign a receipt for a document the sender never sent.

>>> import sandi
>>> from sandi.demo import demo_world
>>> w = demo_world()
>>> env = sandi.seal(b"Nota dinas", sender=w.keystore.identity("diskominfo"),
...                  to=["bkpsdmd"], classification="rahasia", pola=w.pola)
>>> sandi.envelope.refuse(env, keystore=w.keystore, pola=w.pola)
Traceback (most recent call last):
...
sandi.errors.InvalidArgument: the pola allows this envelope: open it rather than refuse it
"""

from __future__ import annotations

from datetime import datetime

from sandi.envelope.acknowledging import make_receipt
from sandi.envelope.format import read_header
from sandi.envelope.inputs import EnvelopeSource, envelope_reader
from sandi.envelope.opening import _check_signature, _my_stanza
from sandi.envelope.pipeline import Pipeline
from sandi.envelope.policy import check_envelope, check_signer
from sandi.envelope.receipts import Outcome, Reason, Receipt
from sandi.envelope.stream import ChunkReader
from sandi.errors import InvalidArgument, PolicyViolation, UnknownAgency
from sandi.keys.agencykey import Keyring
from sandi.pola.policy import Pola

__all__ = ["refuse"]


def refuse(envelope: EnvelopeSource, *, keystore: Keyring, pola: Pola,
           now: datetime | None = None) -> Receipt:
    """A signed ``refused`` receipt for an authentic envelope the pola refuses.

    Raises what open raises for an envelope that is not authentic or not addressed
    to this keystore (and makes no receipt), and InvalidArgument if the pola allows
    the envelope (open it instead).
    """
    with envelope_reader(envelope) as read:
        header = read_header(read)
        pola.check_time(now)
        h = header.signed
        signer = check_signer(pola, h)  # the sender's key, valid when it signed
        _, key = _my_stanza(header, keystore)  # addressed to us, the key committed
        with Pipeline() as pipe:
            reader = ChunkReader(read, h.suite.signature_len, pipe.hash)
            for _block in reader:
                pass
        _check_signature(header, signer, reader.trailer, pipe.digest.digest())
    try:
        check_envelope(pola, h, now)
    except UnknownAgency:
        raise
    except PolicyViolation:
        return make_receipt(header, reader.trailer, keystore.identity(key.agency), pola,
                            outcome=Outcome.REFUSED, reason=Reason.POLICY, now=now)
    raise InvalidArgument("the pola allows this envelope: open it rather than refuse it")
