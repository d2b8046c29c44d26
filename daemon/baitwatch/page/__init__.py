"""Page evidence: what a checked page shows (sign-in and payment fields, where its forms send
them, the brand it names), read from a bounded copy of its DOM, and what that says beside the
address's verdict.

``parse`` reads the HTML under size, depth and time limits; ``evidence`` pulls out the facts;
``brands`` finds the brand a page claims to be and whether the page's site is that brand's;
``page_model`` scores the facts; ``judgement`` turns score and brand into the page's verdict
and joins it with the address's.
"""
