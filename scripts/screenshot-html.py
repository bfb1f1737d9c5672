#!/usr/bin/env python3
"""A PNG of an HTML file as WebKitGTK draws it (the engine the app uses), to look at a
published page the way a reader's browser shows it. Needs python3-gi, python3-gi-cairo
and a display (run under xvfb-run).

    xvfb-run -a python3 scripts/screenshot-html.py file:///tmp/site/index.html page.png 1366
"""
import sys, gi
gi.require_version("Gtk", "3.0"); gi.require_version("WebKit2", "4.1")
from gi.repository import Gtk, WebKit2, GLib
url, out, width = sys.argv[1], sys.argv[2], int(sys.argv[3])
win = Gtk.OffscreenWindow(); view = WebKit2.WebView(); view.set_size_request(width, 900)
win.add(view); win.show_all()
def done(v, res, _):
    surf = v.get_snapshot_finish(res); surf.write_to_png(out); Gtk.main_quit()
def loaded(v, ev):
    if ev == WebKit2.LoadEvent.FINISHED:
        GLib.timeout_add(500, lambda: (v.get_snapshot(WebKit2.SnapshotRegion.FULL_DOCUMENT, WebKit2.SnapshotOptions.NONE, None, done, None), False)[1])
view.connect("load-changed", loaded); view.load_uri(url); Gtk.main()
