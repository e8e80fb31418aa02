"""Feed ingest: fetch, parse, clean, de-duplicate and store stories.

Exceptions::

    FeedError                       every problem with one feed, with a reason a person can read
    ├── FetchError                  the feed could not be downloaded
    │   ├── BlockedURLError         not http(s), or it resolves to a private/special address
    │   ├── HTTPStatusError         4xx/5xx (``retry_after`` set from a Retry-After header)
    │   ├── TooManyRedirectsError   more than the allowed hops, or a loop
    │   ├── BodyTooLargeError       the body passed the size cap while streaming
    │   ├── FetchTimeoutError       a timeout or the per-feed deadline
    │   └── ConnectionFailedError   DNS, TCP or TLS failure
    └── NotAFeedError               the body is not RSS/Atom/RDF (HTMLPageError: a web page)
"""
