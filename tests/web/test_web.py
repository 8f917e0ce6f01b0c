#!/usr/bin/python3
"""test_web.py - ecflink-web in headless Chromium and over plain HTTP.

Run by tests/it_web.sh, which starts slapd, two ecflinkd and two
ecflink-web and exports:  WEB_A (live court, SSO header trusted from
127.0.0.1), WEB_B (court not live yet, SSO header trusted only from
192.0.2.0/24), H_SYSLOG (the syslog file), OUT (screenshots go to
OUT/screens), PID_A (ecflinkd behind WEB_A, stopped at the end to show the
"unavailable" page), CONTACT, SLAPD_URI, H_SVC_DN, H_SVC_PW, H_CMECF_BASE.
Prints TAP with its own plan; exits 0 when every test passed, else 1.
"""
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

A = os.environ["WEB_A"]
B = os.environ["WEB_B"]
SYSLOG = os.environ["H_SYSLOG"]
SCREENS = os.path.join(os.environ["OUT"], "screens")
CONTACT = os.environ["CONTACT"]
A11Y = open(os.path.join(os.path.dirname(__file__), "a11y.js")).read()

N = 0
FAILED = 0
SHOTS = []


def ok(cond, desc, *diag):
    global N, FAILED
    N += 1
    if cond:
        print("ok %d - %s" % (N, desc))
    else:
        FAILED += 1
        print("not ok %d - %s" % (N, desc))
        for d in diag:
            for line in str(d).splitlines():
                print("#   " + line)
    sys.stdout.flush()
    return cond


def syslog_count(pattern):
    with open(SYSLOG, errors="replace") as f:
        return sum(1 for line in f if re.search(pattern, line))


def syslog_wait(pattern, n=1, secs=5):
    end = time.time() + secs
    while time.time() < end:
        if syslog_count(pattern) >= n:
            return True
        time.sleep(0.1)
    return syslog_count(pattern) >= n


# --- the browser --------------------------------------------------------------

def browser():
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              "--window-size=1024,900", "--no-first-run", "--disable-extensions",
              "--disable-background-networking", "--disable-sync", "--no-proxy-server",
              "--user-data-dir=" + os.path.join(os.environ["HOME"], "chromium")):
        o.add_argument(a)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


D = None


def go(url):
    D.get(url)


def body():
    return D.find_element(By.TAG_NAME, "body").text


def h1():
    return D.find_element(By.TAG_NAME, "h1").text


def fill(field, value):
    e = D.find_element(By.ID, field)
    e.clear()
    e.send_keys(value)


def gone(element):
    """True once element has left the page.  Chromium may say so with a
    plain WebDriverException ("Node with given id does not belong to the
    document") rather than the StaleElementReferenceException that
    EC.staleness_of waits for, when the page came from its back-forward
    cache."""
    try:
        element.is_enabled()
        return False
    except (StaleElementReferenceException, WebDriverException):
        return True


def press(label):
    """Clicks a submit button and waits until the next page has loaded
    (a click returns before a POST and its redirect are done)."""
    old = D.find_element(By.TAG_NAME, "html")
    D.find_element(By.XPATH, "//button[normalize-space()='%s']" % label).click()
    WebDriverWait(D, 15).until(lambda d: gone(old))
    WebDriverWait(D, 15).until(
        lambda d: d.execute_script("return document.readyState") == "complete")


def shot(name, what):
    """Saves a screenshot and runs the accessibility check on the page."""
    path = os.path.join(SCREENS, name + ".png")
    D.save_screenshot(path)
    SHOTS.append((name + ".png", what))
    found = D.execute_script(A11Y)
    ok(not found, "accessibility check: %s" % name, *found)


def login(base, user, pw, code=None):
    go(base + "/")
    fill("login", user)
    fill("password", pw)
    if code:
        fill("client_code", code)
    press("Login")


def link_form(login_, pw=None, code=None):
    go(D.current_url.split("/", 3)[0] + "//" + D.current_url.split("/", 3)[2] + "/link")
    fill("cmecf_login", login_)
    if pw is not None:
        fill("cmecf_password", pw)
    if code is not None:
        fill("reset_code", code)
    press("Submit")


# --- a forwarding SSO proxy: adds the trusted header, as the court's would -----

def start_proxy(target, user):
    t = urllib.parse.urlsplit(target)

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def fwd(self):
            n = int(self.headers.get("Content-Length") or 0)
            data = self.rfile.read(n) if n else None
            hdrs = {k: v for k, v in self.headers.items()
                    if k.lower() not in ("host", "connection", "remote_user")}
            hdrs["REMOTE_USER"] = user
            hdrs["X-Forwarded-For"] = "203.0.113.9"
            c = http.client.HTTPConnection(t.hostname, t.port, timeout=10)
            c.request(self.command, self.path, body=data, headers=hdrs)
            r = c.getresponse()
            payload = r.read()
            self.send_response(r.status)
            for k, v in r.getheaders():
                if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = fwd

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, "http://127.0.0.1:%d" % srv.server_address[1]


# --- plain HTTP ------------------------------------------------------------------

def request(base, method, path, body=None, headers=None):
    u = urllib.parse.urlsplit(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read().decode("utf-8", "replace")
    c.close()
    return r, data


def cookie_of(r):
    sc = r.getheader("Set-Cookie") or ""
    m = re.match(r"ecflink_session=([0-9a-f]*)", sc)
    return (m.group(1) if m else None), sc


def csrf_of(page):
    m = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    return m.group(1) if m else None


def fresh_session(base, xff=None):
    h = {"X-Forwarded-For": xff} if xff else {}
    r, page = request(base, "GET", "/", headers=h)
    sid, _ = cookie_of(r)
    return sid, csrf_of(page)


def post_form(base, path, sid, fields, xff=None):
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    if sid:
        h["Cookie"] = "ecflink_session=" + sid
    if xff:
        h["X-Forwarded-For"] = xff
    return request(base, "POST", path, urllib.parse.urlencode(fields), h)


def raw(base, data, read=65536):
    u = urllib.parse.urlsplit(base)
    s = socket.create_connection((u.hostname, u.port), timeout=10)
    try:
        s.sendall(data)
        got = b""
        while True:
            try:
                chunk = s.recv(read)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            got += chunk
            if b"\r\n\r\n" in got:
                head = got.split(b"\r\n\r\n")[0]
                m = re.search(rb"Content-Length: (\d+)", head, re.I)
                if m and len(got) >= len(head) + 4 + int(m.group(1)):
                    break
        return got.decode("latin-1")
    finally:
        s.close()


def http_tests():
    r, page = request(A, "GET", "/")
    ok(r.status == 200, "GET / answers 200", r.status)
    ok((r.getheader("Content-Security-Policy") or "").startswith("default-src 'self'"),
       "Content-Security-Policy: default-src 'self'", r.getheader("Content-Security-Policy"))
    ok(r.getheader("X-Frame-Options") == "DENY", "X-Frame-Options: DENY")
    ok(r.getheader("Referrer-Policy") == "no-referrer", "Referrer-Policy: no-referrer")
    ok(r.getheader("Cache-Control") == "no-store", "Cache-Control: no-store on pages")
    ok(r.getheader("X-Content-Type-Options") == "nosniff", "X-Content-Type-Options: nosniff")
    ok("text/html; charset=utf-8" == r.getheader("Content-Type"), "pages are UTF-8 HTML")
    sid, sc = cookie_of(r)
    ok(sid is not None and len(sid) == 64, "the session id is 64 hex digits (256 bits)", sc)
    flags = [f.strip() for f in sc.split(";")[1:]]
    ok("HttpOnly" in flags and "Secure" in flags and "SameSite=Strict" in flags,
       "the session cookie is HttpOnly; Secure; SameSite=Strict", sc)
    sid2, _ = fresh_session(A)
    ok(sid2 and sid2 != sid, "each new browser gets another session id")
    ok("<script" not in page and "style=" not in page, "no script and no inline style")

    r, _ = request(A, "GET", "/nowhere")
    ok(r.status == 404 and r.getheader("X-Frame-Options") == "DENY",
       "an unknown path is a 404 page with the same headers", r.status)
    r, css = request(A, "GET", "/style.css")
    ok(r.status == 200 and r.getheader("Content-Type").startswith("text/css")
       and "max-width" in css, "the stylesheet is served")
    r, _ = request(A, "GET", "/logo")
    ok(r.status == 200 and r.getheader("Content-Type") == "image/svg+xml",
       "the court's logo is served from web.logo")
    r, _ = request(A, "PUT", "/", "x", {"Content-Type": "text/plain"})
    ok(r.status == 405 and r.getheader("Allow") == "GET, HEAD, POST", "PUT is refused with 405",
       r.status)

    # CSRF: a POST needs the session's token.
    sid, tok = fresh_session(A)
    r, page = post_form(A, "/login", sid, {"login": "tattorneythree", "password": "Pacer3!pw"})
    ok(r.status == 403 and "This form has expired" in page, "a POST without the CSRF token: 403",
       r.status)
    r, page = post_form(A, "/login", sid, {"csrf": "0" * 64, "login": "tattorneythree",
                                          "password": "Pacer3!pw"})
    ok(r.status == 403, "a POST with a wrong CSRF token: 403", r.status)
    r, page = post_form(A, "/login", None, {"csrf": tok, "login": "tattorneythree",
                                           "password": "Pacer3!pw"})
    ok(r.status == 403, "a POST with the token but without the session cookie: 403", r.status)
    ok(syslog_wait(r'ecflink-web\[\d+\]: event=web_csrf .*result=deny reason=csrf', 3),
       "CSRF refusals are logged")
    r, page = request(A, "POST", "/login", "csrf=" + tok, {"Content-Type": "text/plain",
                                                        "Cookie": "ecflink_session=" + sid})
    ok(r.status == 415, "a POST that is not a urlencoded form: 415", r.status)

    # Size limits: a body over 4 KiB is refused unread, so is a chunked one.
    big = "csrf=%s&login=%s" % (tok, "a" * 5000)
    r, page = post_form(A, "/login", sid, {"csrf": tok, "login": "a" * 5000})
    ok(r.status == 413, "a 5 KB form body: 413", r.status)
    resp = raw(A, ("POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/"
                   "x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nCookie: "
                   "ecflink_session=%s\r\n\r\n" % sid).encode() +
               b"".join(b"%x\r\n%s\r\n" % (1000, b"b" * 1000) for _ in range(6)) + b"0\r\n\r\n")
    ok(resp.startswith("HTTP/1.1 413"), "a chunked body over 4 KiB: 413", resp[:200])
    resp = raw(A, ("GET / HTTP/1.1\r\nHost: x\r\nX-Pad: %s\r\n\r\n" % ("p" * 40000)).encode())
    ok(re.match(r"HTTP/1\.1 (431|413|400)", resp) is not None or resp == "",
       "40 KB of headers are refused", resp[:200])
    r, _ = request(A, "GET", "/")
    ok(r.status == 200, "the server still answers after those")

    # A wrong password is not echoed back; a good login gets a new session id.
    sid, tok = fresh_session(A)
    r, page = post_form(A, "/login", sid, {"csrf": tok, "login": "punlinked",
                                          "password": "WrongPw-echo"})
    ok(r.status == 200 and "not correct" in page and "WrongPw-echo" not in page,
       "a failed login says so and does not echo the password")
    r, page = post_form(A, "/login", sid, {"csrf": tok, "login": "punlinked",
                                          "password": "Pat!pacer2"})
    nsid, sc = cookie_of(r)
    ok(r.status == 303 and r.getheader("Location") == "/" and nsid and nsid != sid,
       "a good login redirects and replaces the session id (no fixation)", r.status, sc)
    r, page = request(A, "GET", "/", headers={"Cookie": "ecflink_session=" + sid})
    ok("PACER Login" in page, "the pre-login session id is worthless afterwards")
    r, page = request(A, "GET", "/", headers={"Cookie": "ecflink_session=" + nsid})
    ok("PACER Search only" in page, "the new session is logged in")
    r, page = post_form(A, "/logout", nsid, {"csrf": csrf_of(page)})
    ok(r.status == 303 and "Max-Age=0" in (r.getheader("Set-Cookie") or ""),
       "log out clears the cookie")
    r, page = request(A, "GET", "/", headers={"Cookie": "ecflink_session=" + nsid})
    ok("PACER Login" in page, "and ends the session")

    # The web's own login throttle (ecflinkd leaves front ends to count),
    # per login and per client address; the address from a trusted proxy's
    # X-Forwarded-For, passed on to ecflinkd as RHOST.
    xff = "198.51.100.7"
    sid, tok = fresh_session(A, xff)
    for i in range(5):
        post_form(A, "/login", sid, {"csrf": tok, "login": "janedoe", "password": "WrongPw%d" % i},
                  xff)
    r, page = post_form(A, "/login", sid, {"csrf": tok, "login": "janedoe",
                                          "password": "Jane!pacer1"}, xff)
    ok(r.status == 200 and "not correct" in page,
       "after 5 wrong passwords the right one is refused alike (throttled)", r.status)
    ok(syslog_wait(r'ecflink-web\[\d+\]: event=web_login user="janedoe" rhost=198\.51\.100\.7 '
                   r'result=deny reason=throttled'),
       "the throttled login is logged by ecflink-web with the proxy's client address")
    ok(syslog_wait(r'ecflinkd\[\d+\]: event=auth .*user="?janedoe"? rhost=198\.51\.100\.7', 5),
       "ecflinkd saw the client address from X-Forwarded-For as rhost")
    r, page = post_form(A, "/login", sid, {"csrf": tok, "login": "punlinked",
                                          "password": "Pat!pacer2"}, "198.51.100.8")
    ok(r.status == 303, "another login from another address still gets in", r.status)

    # An untrusted peer's X-Forwarded-For and SSO header are ignored.
    r, page = request(B, "GET", "/", headers={"REMOTE_USER": "janedoe"})
    ok("PACER Login" in page and "janedoe" not in page,
       "an SSO header from a peer outside web.trusted_proxies is ignored")


# --- the browser scenarios --------------------------------------------------------

def scenario_link():
    D.delete_all_cookies()
    go(A + "/")
    ok(h1() == "PACER Login", "the login screen", h1())
    t = body()
    ok("This is a restricted government web site for official PACER use only. Unauthorized "
       "entry is prohibited" in t and "All activities and access attempts are logged." in t,
       "the login screen shows the restricted-site notice")
    ok("SOUTHERN DISTRICT OF IOWA BANKRUPTCY COURT" in t and CONTACT in t,
       "court name and contact line from the configuration")
    ok(D.find_element(By.ID, "client_code") is not None and
       D.find_elements(By.XPATH, "//button[normalize-space()='Clear']"),
       "an optional Client Code and a Clear button")
    ok(D.find_element(By.CSS_SELECTOR, "img.logo").get_attribute("alt").startswith("Seal of the"),
       "the logo has alt text")
    shot("01-login", "Login: PACER username, password, optional Client Code, Login / Clear, "
         "the restricted-site notice, court name, seal and contact line")

    login(A, "tattorneythree", "WrongPw1")
    ok("There is a problem" in body() and "not correct" in body() and
       D.title.startswith("Error:"), "a wrong PACER password: the login again with an error summary")
    ok("WrongPw1" not in D.page_source, "the wrong password is not echoed")
    shot("02-login-wrong-password", "Login refused: error summary, the same words for any "
         "wrong username or password")

    login(A, "tattorneythree", "Pacer3!pw", code="CLIENT-7")
    ok(h1() == "PACER Search only", "an unlinked account: PACER Search only", h1())
    t = body()
    ok("Utilities" in t and "NextGen Release 1.1 Menu Items" in t,
       "the limited menu: Utilities > NextGen Release 1.1 Menu Items")
    c = {x["name"]: x for x in D.get_cookies()}.get("ecflink_session")
    ok(c is not None and c["httpOnly"] and c["secure"] and c.get("sameSite") == "Strict",
       "the browser holds the cookie as HttpOnly, Secure, SameSite=Strict", c)
    shot("03-pacer-search-only", "PACER Search only: the unlinked account's limited menu, "
         "Utilities > NextGen Release 1.1 Menu Items > Link a CM/ECF account to my PACER account")

    D.find_element(By.LINK_TEXT, "Link a CM/ECF account to my PACER account").click()
    t = body()
    ok("This utility links your PACER account with your e-filer account in this court." in t and
       "If you use CM/ECF for PACER only, no action is necessary." in t,
       "the link form's two sentences")
    ok("If you do not know your password you can contact the court to have it reset for "
       "linking purposes" in t and CONTACT in t, "the reset sentence with the contact line")
    shot("04-link-form", "Link form: CM/ECF login, CM/ECF password or a clerk's reset code, "
         "Submit / Clear, how to get a reset")

    press("Submit")
    ok("Enter your CM/ECF login" in body() and
       D.find_element(By.CSS_SELECTOR, ".error-summary a").get_attribute("href").endswith(
           "#cmecf_login"), "an empty form: the error summary links to the field")
    ok(D.find_element(By.ID, "cmecf_login").get_attribute("aria-invalid") == "true",
       "the field in error is marked aria-invalid")
    shot("05-link-form-missing", "Link form with nothing filled in: error summary linking to "
         "each field, fields marked in error")

    link_form("tattorney03", pw="WrongPw2")
    ok("not correct" in body() and h1().startswith("Link a CM/ECF"),
       "a wrong CM/ECF password: the form again with the refusal")
    ok(syslog_wait(r'event=link phase=prepare pacer="tattorneythree" cmecf="tattorney03" '
                   r'peer_uid=\d+ result=deny reason=bad_cmecf_password'),
       "ecflinkd logged the wrong CM/ECF password")
    shot("06-link-wrong-password", "Link refused for a wrong CM/ECF password (the same words "
         "for every credential failure)")

    link_form("tattorney03", pw="Legacy03!")
    t = body()
    ok(h1() == "Do you want to link these accounts?", "the names differ: the confirmation", h1())
    ok("Train Attorney03" in t and "Train Attorneythree" in t, "both names side by side")
    ok("After you submit this screen, your old e-filing credentials for the CM/ECF account will "
       "be permanently linked to your upgraded PACER account. Use your upgraded PACER account "
       "to e-file in this court." in t, "the permanent-link warning")
    ok("The names on the two accounts are" in t, "the name grade")
    shot("07-confirm", "Confirm: CM/ECF 'Train Attorney03' and PACER 'Train Attorneythree' side "
         "by side, the name grade, the warning, Submit / Cancel")

    press("Submit")
    t = body()
    ok("Your PACER account has been linked to your CM/ECF account" in t, "Done", t[:300])
    m = re.search(r"Transaction ID\s*(\d+)", t)
    ok(m is not None and "email notification" in t, "the Transaction ID and the mail notice")
    txn = m.group(1) if m else "?"
    shot("08-done", "Done: linked, with the Transaction ID and the email notification to follow")
    ok(syslog_wait(r'event=link phase=commit pacer="tattorneythree" cmecf="tattorney03" .*'
                   r'txn=%s result=ok reason=linked' % txn),
       "ecflinkd logged the link with that transaction")
    ldap = subprocess.run(["ldapsearch", "-x", "-LLL", "-H", os.environ["SLAPD_URI"], "-D",
                           os.environ["H_SVC_DN"], "-w", os.environ["H_SVC_PW"], "-b",
                           os.environ["H_CMECF_BASE"], "(uid=tattorney03)", "ecfLinkedPacer",
                           "ecfLinkTransaction"], capture_output=True, text=True)
    ok("ecfLinkedPacer: tattorneythree" in ldap.stdout and
       ("ecfLinkTransaction: " + txn) in ldap.stdout, "the directory holds the link", ldap.stdout)

    # The back button, and the confirmation sent again from the page it
    # shows (Chromium may show it from its back-forward cache): nothing
    # links twice.
    D.back()
    if D.find_elements(By.XPATH, "//button[normalize-space()='Submit']"):
        press("Submit")
    ok(D.current_url.endswith("/done") and re.search(r"Transaction ID\s*" + txn, body()),
       "back after Done, and Submit again: Done again, the same transaction", D.current_url)
    shot("09-back-after-done", "Back button after Done, confirmation submitted again: Done, "
         "the same Transaction ID, nothing sent to ecflinkd")
    ok(syslog_count(r'event=link phase=commit') == 1,
       "ecflinkd got exactly one commit", syslog_count(r'event=link phase=commit'))

    go(A + "/")
    ok(h1() == "Your accounts are linked" and "tattorney03" in body(),
       "the home page of a linked account says so")
    shot("10-linked", "A linked PACER account's home page")
    press("Log out")
    ok(h1() == "PACER Login", "log out")


def scenario_refusals():
    D.delete_all_cookies()
    login(A, "punlinked", "Pat!pacer2")
    link_form("tattorney03", pw="Legacy03!")
    ok(h1() == "Already linked" and "already linked" in body(),
       "a CM/ECF account linked already: its own page", h1())
    shot("11-already-linked", "Refused: the CM/ECF account is already linked")

    link_form("clerk1", pw="Clerk1!")
    ok(h1() == "This account cannot be linked", "not eligible: its own page", h1())
    shot("12-not-eligible", "Refused: the CM/ECF account has no e-filing role that may link")

    # One wrong CM/ECF password came from this address before; four more
    # for rsmith lock rsmith and the address; then the right one is refused.
    wrong = None
    for i in range(4):
        link_form("rsmith", pw="WrongPw%d" % (i + 3))
        wrong = D.find_element(By.CSS_SELECTOR, ".error-summary p").text
    link_form("rsmith", pw="Smith#legacy")
    now = D.find_element(By.CSS_SELECTOR, ".error-summary p").text
    ok(now == wrong and "too many attempts" in now,
       "throttled: the right password is refused in the same words", now, wrong)
    ok(syslog_wait(r'event=link phase=prepare pacer="punlinked" cmecf="rsmith" .*'
                   r'reason=throttled'), "ecflinkd logged reason=throttled")
    shot("13-throttled", "Throttled: after too many failures even the right password is refused, "
         "in the same words as a wrong one")


def scenario_golive_csrf():
    D.delete_all_cookies()
    login(B, "punlinked", "Pat!pacer2")
    ok(h1() == "PACER Search only" and "opens when the court goes live on January 1, 2099" in
       body(), "before go-live the menu says when e-filing opens", body()[:400])
    shot("14-before-golive-menu", "Before go-live: the menu says when e-filing opens")
    link_form("rsmith", pw="Smith#legacy")
    ok(h1() == "Linking is not open yet" and "Linking opens when the court goes live on" in body(),
       "before go-live: 'linking opens on ...'", body()[:400])
    shot("15-before-golive", "Refused before go-live: linking opens on the court's date")
    press("Log out")

    go(B + "/")
    fill("login", "janedoe")
    fill("password", "Jane!pacer1")
    D.execute_script("document.querySelector('input[name=csrf]').remove()")
    before = syslog_count(r'event=auth .*user="?janedoe"?.*rhost=127\.0\.0\.1')
    press("Login")
    ok(h1() == "This form has expired", "a form without its CSRF token is refused", h1())
    ok(syslog_count(r'event=auth .*user="?janedoe"?.*rhost=127\.0\.0\.1') == before,
       "and never reaches ecflinkd")
    shot("16-csrf-refused", "A POST without the CSRF token: refused, nothing done")


def scenario_sso():
    srv, url = start_proxy(A, "punlinked")
    D.delete_all_cookies()
    go(url + "/")
    ok(h1() == "PACER Search only" and "punlinked" in body(),
       "SSO from a trusted proxy: no login screen, the account's menu", h1())
    ok(not D.find_elements(By.XPATH, "//button[normalize-space()='Log out']"),
       "no Log out button under SSO (the court's SSO owns the login)")
    ok(syslog_wait(r'event=account .*user="?punlinked"? .*rhost=203\.0\.113\.9'),
       "ecflinkd saw the proxy's client address")
    shot("17-sso-trusted", "SSO header from a trusted proxy: straight to the account's menu")
    srv.shutdown()

    srv, url = start_proxy(B, "janedoe")
    D.delete_all_cookies()
    go(url + "/")
    ok(h1() == "PACER Login" and "janedoe" not in body(),
       "SSO header from a proxy not in web.trusted_proxies: ignored, the login screen")
    shot("18-sso-untrusted", "SSO header from an untrusted proxy: ignored, the login screen")
    srv.shutdown()


def narrow_checks(name, what):
    D.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": 320, "height": 640, "deviceScaleFactor": 1, "mobile": True})
    try:
        D.refresh()
        sw = D.execute_script("return document.documentElement.scrollWidth")
        ok(sw <= 320, "%s: no sideways scrolling at 320 px (scrollWidth %d)" % (name, sw))
        bad = D.execute_script("""return [...document.querySelectorAll('input:not([type=hidden]),button,h1,p,a')]
            .filter(e => { const r = e.getBoundingClientRect();
                           return r.width > 0 && (r.left < 0 && !e.classList.contains('skip') || r.right > 320.5); })
            .map(e => e.tagName + ' ' + (e.id || e.textContent.trim().slice(0, 30)));""")
        ok(not bad, "%s: every field, button and text fits 320 px" % name, *bad)
        shot(name, what)
    finally:
        D.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def scenario_narrow():
    D.delete_all_cookies()
    go(A + "/")
    narrow_checks("19-login-320px", "Login at 320 px wide")
    login(A, "punlinked", "Pat!pacer2")
    go(A + "/link")
    narrow_checks("20-link-form-320px", "Link form at 320 px wide")


def scenario_unavailable():
    os.kill(int(os.environ["PID_A"]), signal.SIGTERM)
    sock = os.environ["SOCK_A"]
    for _ in range(50):
        if not os.path.exists(sock):
            break
        time.sleep(0.1)
    D.delete_all_cookies()
    login(A, "punlinked", "Pat!pacer2")
    ok(h1() == "Linking is temporarily unavailable" and "try again later" in body().lower(),
       "ecflinkd down: 'linking temporarily unavailable'", h1())
    shot("21-unavailable", "ecflinkd not answering: linking temporarily unavailable, "
         "nothing changed")


def main():
    global D
    os.makedirs(SCREENS, exist_ok=True)
    try:
        http_tests()
    except Exception:
        ok(False, "HTTP tests ran to the end", traceback.format_exc())
    try:
        D = browser()
    except Exception:
        ok(False, "headless Chromium starts", traceback.format_exc())
        print("1..%d" % N)
        return 1
    D.set_page_load_timeout(20)
    for sc in (scenario_link, scenario_refusals, scenario_golive_csrf, scenario_sso,
               scenario_narrow, scenario_unavailable):
        try:
            sc()
        except Exception:
            try:
                D.save_screenshot(os.path.join(SCREENS, "failed-%s.png" % sc.__name__))
            except Exception:
                pass
            ok(False, "%s ran to the end" % sc.__name__, traceback.format_exc())
    D.quit()
    with open(os.path.join(SCREENS, "INDEX.txt"), "w") as f:
        for name, what in SHOTS:
            f.write("%s\t%s\n" % (name, what))
    print("# screenshots in %s (INDEX.txt says what each shows)" % SCREENS)
    print("1..%d" % N)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
