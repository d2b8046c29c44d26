"""Build the known-good list: popular registrable domains whose pages skip the model.

Source: the Tranco top-10k homepages in the corpus. Left out, because anyone can publish a
page under them: every domain under which the corpus holds even one phishing URL, and the
user-content platforms below (hosting, site builders, storage, forms, shorteners, tunnels),
including every domain that has such a platform below it (``docs.google.com`` keeps
``google.com`` out). Run ``python -m model_export.known_good`` to rebuild the shipped file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from baitwatch.known_good import KNOWN_GOOD_FILE
from model_export.data import load_dataset

CORPUS = Path(__file__).resolve().parent / "data" / "train_urls.csv.gz"
POPULAR_SOURCE = "tranco2025_top10k_home"

USER_CONTENT_PLATFORMS = frozenset(
    """
    github.io githubusercontent.com gitlab.io pages.dev workers.dev r2.dev vercel.app netlify.app
    netlify.com webflow.io weebly.com weeblysite.com wixsite.com wix.com wixstudio.io blogspot.com
    blogger.com wordpress.com firebaseapp.com web.app gitbook.io glitch.me repl.co replit.app
    replit.dev herokuapp.com onrender.com fly.dev azurewebsites.net azureedge.net
    cloudfront.net amazonaws.com appspot.com googleapis.com googleusercontent.com sites.google.com
    docs.google.com forms.gle 000webhostapp.com squarespace.com godaddysites.com jimdo.com
    jimdofree.com strikingly.com mystrikingly.com carrd.co tilda.ws yolasite.com webnode.com
    site123.me notion.site notion.so canva.site framer.app framer.website surge.sh codesandbox.io
    csb.app stackblitz.io ngrok.io ngrok-free.app ngrok.app trycloudflare.com loca.lt
    typeform.com jotform.com formstack.com wufoo.com hsforms.com zohopublic.com sharepoint.com
    onedrive.live.com 1drv.ms dropbox.com dropboxusercontent.com box.com wetransfer.com
    evernote.com office.com onmicrosoft.com linktr.ee bit.ly bitly.com tinyurl.com t.co is.gd
    ow.ly rebrand.ly cutt.ly rb.gy shorturl.at tiny.cc t.ly s.id app.link page.link lnkd.in
    goo.gl buff.ly qrco.de sendgrid.net list-manage.com mjt.lu constantcontact.com telegra.ph
    """.split()
)


def is_user_content(domain: str) -> bool:
    return any(
        domain == platform or domain.endswith("." + platform) or platform.endswith("." + domain)
        for platform in USER_CONTENT_PLATFORMS
    )


def build(corpus: Path) -> list[str]:
    data, _ = load_dataset(corpus)
    phishing_domains = {d for d, label in zip(data.domains, data.labels) if label == 1}
    popular = {d for d, source in zip(data.domains, data.sources) if source == POPULAR_SOURCE}
    return sorted(d for d in popular - phishing_domains if not is_user_content(d))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=CORPUS)
    parser.add_argument("--out", type=Path, default=KNOWN_GOOD_FILE)
    args = parser.parse_args()
    domains = build(args.data)
    header = (
        "# baitwatch known-good list: registrable domains whose pages skip the model.\n"
        "# Built by `python -m model_export.known_good` from the Tranco top-10k homepages in\n"
        "# model_export/data, leaving out user-content platforms and every domain with a\n"
        "# phishing URL in the corpus. Do not edit by hand; rebuild.\n"
    )
    args.out.write_text(header + "".join(d + "\n" for d in domains), encoding="utf-8")
    print(f"wrote {len(domains)} domains to {args.out}")


if __name__ == "__main__":
    main()
