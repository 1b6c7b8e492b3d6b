"""The bridge between the database and the engine: a live, in-process matching index.

``MatchingService`` (``service``) fits a ``matcher.Engine`` on the published profiles whose
passages are all embedded (``records``; the vectors come from the PostgreSQL cache, so loading
embeds nothing), serves rankings, search and pair scores (``matcher.results.Match``, whose
``to_dict()`` is the JSON contract ``{"id", "score", "fit", "components", "explanation"}``), and
stays current without a full refit: a background thread LISTENs on ``caunoi_index`` — the
embedding worker notifies there when a profile's vectors are ready, deletes notify too — and
applies ``partial_fit``/``remove``.
Every web worker process has its own service, and all of them follow the same notifications. A
full refit (fresh lexical IDF and channel statistics) runs in the background once enough
profiles changed.

Requests take no lock (issue 12): they rank on a published snapshot of the engine (``live``,
``snapshot``), and the texts of one request (a preview, a search) are cut to a passage budget
and embedded and scored on a small bounded pool with a deadline (``requests``), so that one
user's text never holds up another user's answer.

Beside it: the configured embedder (``embedding``) and the precomputed rankings (``warm``). The
package may import store, db and ``matcher``; services, jobs and http import it, never the reverse.

What the web layer may call on it is the Protocol ``MatchingContract`` (``contract``), which the
test double in ``tests.web.fakes`` keeps too.
"""

from web.matching.contract import MatchingContract
from web.matching.records import embedded_keys, engine_filters, is_embedded, passage_hashes
from web.matching.service import MatchingService, WouldBlock

__all__ = ["MatchingContract", "MatchingService", "WouldBlock", "embedded_keys", "engine_filters", "is_embedded",
           "passage_hashes"]
