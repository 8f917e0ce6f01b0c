#!/usr/bin/python3
"""walk.py - `make demo`'s walk through ecflink-web's screens: fetches each
page as a browser would (cookie, CSRF token, redirects) and prints its
text, indented.

  walk.py BASE_URL PACER_LOGIN PACER_PASSWORD CMECF_LOGIN CMECF_PASSWORD
"""
import http.client
import re
import sys
import urllib.parse
from html.parser import HTMLParser


class Text(HTMLParser):
    """The visible text of a page's main part, one line per block."""
    BLOCKS = {"h1", "h2", "p", "li", "tr", "dt", "dd", "label", "button", "div", "caption"}

    def __init__(self):
        super().__init__()
        self.lines, self.cur, self.on, self.skip = [], "", False, 0

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.on = True
        if tag in self.BLOCKS:
            self.flush()
        if tag == "input" and self.on:
            a = dict(attrs)
            if a.get("type") != "hidden":
                self.cur += " [%s]" % ("*****" if a.get("type") == "password" else "______")
        if tag in ("td", "th"):
            self.cur += " | "

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self.flush()
        if tag == "main":
            self.on = False

    def handle_data(self, data):
        if self.on:
            self.cur += data

    def flush(self):
        line = re.sub(r"\s+", " ", self.cur).strip(" |")
        if line:
            self.lines.append(line)
        self.cur = ""


class Browser:
    def __init__(self, base):
        self.u = urllib.parse.urlsplit(base)
        self.cookie = None

    def req(self, method, path, fields=None):
        c = http.client.HTTPConnection(self.u.hostname, self.u.port, timeout=10)
        h = {}
        body = None
        if self.cookie:
            h["Cookie"] = "ecflink_session=" + self.cookie
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        c.request(method, path, body, h)
        r = c.getresponse()
        page = r.read().decode()
        m = re.match(r"ecflink_session=([0-9a-f]+);", r.getheader("Set-Cookie") or "")
        if m:
            self.cookie = m.group(1)
        if r.status == 303:
            return self.req("GET", r.getheader("Location"))
        return r.status, page


def show(title, status, page):
    t = Text()
    t.feed(page)
    t.flush()
    print("\n  --- %s (HTTP %d) ---" % (title, status))
    for line in t.lines:
        print("    " + line)


def main():
    base, pacer, ppw, cmecf, cpw = sys.argv[1:6]
    b = Browser(base)
    st, page = b.req("GET", "/")
    show("GET / : the login screen", st, page)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    st, page = b.req("POST", "/login", {"csrf": csrf, "login": pacer, "password": ppw})
    show("Login as %s: the PACER Search only menu" % pacer, st, page)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    st, page = b.req("GET", "/link")
    show("Utilities > NextGen Release 1.1 Menu Items > Link ...: the link form", st, page)
    st, page = b.req("POST", "/link", {"csrf": csrf, "cmecf_login": cmecf,
                                      "cmecf_password": cpw})
    show("Submit %s and its password: the confirmation" % cmecf, st, page)
    if "Do you want to link" in page:
        st, page = b.req("POST", "/confirm", {"csrf": csrf, "action": "link"})
        show("Submit: done", st, page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
