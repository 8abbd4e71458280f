#!/usr/bin/python3
"""A stand-in for the XDG desktop portal's FileChooser on a test's own session bus: OpenFile answers with the
request object path the caller predicts (its unique name and handle_token), then emits Response with the one file
given on the command line, as the real portal does after the person picks it.
Usage: fake_portal.py FILE   (with DBUS_SESSION_BUS_ADDRESS set; Debian python3-gi)"""
import pathlib
import sys

from gi.repository import Gio, GLib

XML = """<node><interface name="org.freedesktop.portal.FileChooser">
<method name="OpenFile"><arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="a{sv}" direction="in"/>
<arg type="o" direction="out"/></method></interface></node>"""
uri = pathlib.Path(sys.argv[1]).resolve().as_uri()


def call(conn, sender, path, iface, method, params, invocation):
    parent, title, options = params.unpack()
    token = options.get("handle_token", "t")
    request = "/org/freedesktop/portal/desktop/request/%s/%s" % (sender[1:].replace(".", "_"), token)
    invocation.return_value(GLib.Variant("(o)", (request,)))
    print("portal: OpenFile %r" % title, flush=True)

    def respond():
        conn.emit_signal(None, request, "org.freedesktop.portal.Request", "Response",
                         GLib.Variant("(ua{sv})", (0, {"uris": GLib.Variant("as", [uri])})))
        return False
    GLib.timeout_add(300, respond)


def bus_acquired(conn, name):
    conn.register_object("/org/freedesktop/portal/desktop", Gio.DBusNodeInfo.new_for_xml(XML).interfaces[0], call, None, None)


Gio.bus_own_name(Gio.BusType.SESSION, "org.freedesktop.portal.Desktop", Gio.BusNameOwnerFlags.NONE, bus_acquired,
                 lambda conn, name: print("portal: ready", flush=True), None)
GLib.MainLoop().run()
