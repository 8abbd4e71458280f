#include <dbus/dbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/// Asks the XDG desktop portal's FileChooser for one file (org.freedesktop.portal.FileChooser.OpenFile) and waits
/// up to `timeout_ms` for its Response on the request object (path predicted from our unique name and a
/// handle_token, matched before the call so the answer cannot be missed). Returns the chosen URI (malloc'd) with
/// *status 0; NULL with *status 1 when the person cancelled or the wait ran out, 2 when no portal answered (no
/// session bus, no portal service). libdbus's variadic calls are not callable from Swift, hence C.
static inline char *convscope_portal_open_file(const char *title, int timeout_ms, int *status) {
    *status = 2;
    DBusError err;
    dbus_error_init(&err);
    DBusConnection *c = dbus_bus_get_private(DBUS_BUS_SESSION, &err);
    if (c == NULL) { dbus_error_free(&err); return NULL; }
    dbus_connection_set_exit_on_disconnect(c, FALSE);
    char *result = NULL;
    const char *unique = dbus_bus_get_unique_name(c);
    char token[64], sender[256], path[512], rule[768];
    snprintf(token, sizeof token, "convscope%d", (int)getpid());
    size_t j = 0;
    for (const char *p = unique != NULL && unique[0] == ':' ? unique + 1 : ""; *p && j < sizeof sender - 1; p++) sender[j++] = *p == '.' ? '_' : *p;
    sender[j] = 0;
    snprintf(path, sizeof path, "/org/freedesktop/portal/desktop/request/%s/%s", sender, token);
    snprintf(rule, sizeof rule, "type='signal',interface='org.freedesktop.portal.Request',member='Response',path='%s'", path);
    dbus_bus_add_match(c, rule, &err);
    DBusMessage *m = dbus_error_is_set(&err) ? NULL
        : dbus_message_new_method_call("org.freedesktop.portal.Desktop", "/org/freedesktop/portal/desktop",
                                       "org.freedesktop.portal.FileChooser", "OpenFile");
    if (m != NULL) {
        DBusMessageIter it, dict, entry, var;
        const char *parent = "", *key = "handle_token", *tok = token;
        dbus_message_iter_init_append(m, &it);
        dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &parent);
        dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &title);
        dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &dict);
        dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
        dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key);
        dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, "s", &var);
        dbus_message_iter_append_basic(&var, DBUS_TYPE_STRING, &tok);
        dbus_message_iter_close_container(&entry, &var);
        dbus_message_iter_close_container(&dict, &entry);
        dbus_message_iter_close_container(&it, &dict);
        DBusMessage *reply = dbus_connection_send_with_reply_and_block(c, m, 5000, &err);
        dbus_message_unref(m);
        if (reply != NULL) {
            dbus_message_unref(reply);
            *status = 1;
            for (int waited = 0; waited < timeout_ms && result == NULL && *status == 1; waited += 200) {
                if (!dbus_connection_read_write(c, 200)) break;
                DBusMessage *s;
                while ((s = dbus_connection_pop_message(c)) != NULL) {
                    const char *sp = dbus_message_get_path(s);
                    if (dbus_message_is_signal(s, "org.freedesktop.portal.Request", "Response") && sp && strcmp(sp, path) == 0) {
                        DBusMessageIter a;
                        dbus_uint32_t code = 2;
                        if (dbus_message_iter_init(s, &a) && dbus_message_iter_get_arg_type(&a) == DBUS_TYPE_UINT32) {
                            dbus_message_iter_get_basic(&a, &code);
                            if (code == 0 && dbus_message_iter_next(&a) && dbus_message_iter_get_arg_type(&a) == DBUS_TYPE_ARRAY) {
                                DBusMessageIter d;
                                dbus_message_iter_recurse(&a, &d);
                                while (dbus_message_iter_get_arg_type(&d) == DBUS_TYPE_DICT_ENTRY) {
                                    DBusMessageIter e, v;
                                    const char *k = "";
                                    dbus_message_iter_recurse(&d, &e);
                                    if (dbus_message_iter_get_arg_type(&e) == DBUS_TYPE_STRING) dbus_message_iter_get_basic(&e, &k);
                                    dbus_message_iter_next(&e);
                                    if (strcmp(k, "uris") == 0 && dbus_message_iter_get_arg_type(&e) == DBUS_TYPE_VARIANT) {
                                        dbus_message_iter_recurse(&e, &v);
                                        if (dbus_message_iter_get_arg_type(&v) == DBUS_TYPE_ARRAY) {
                                            DBusMessageIter u;
                                            dbus_message_iter_recurse(&v, &u);
                                            if (dbus_message_iter_get_arg_type(&u) == DBUS_TYPE_STRING) {
                                                const char *uri = NULL;
                                                dbus_message_iter_get_basic(&u, &uri);
                                                if (uri != NULL && result == NULL) result = strdup(uri);
                                            }
                                        }
                                    }
                                    dbus_message_iter_next(&d);
                                }
                            }
                        }
                        *status = code == 0 && result != NULL ? 0 : 3;
                    }
                    dbus_message_unref(s);
                }
            }
            if (*status == 3) *status = 1;
        }
    }
    dbus_error_free(&err);
    dbus_connection_close(c);
    dbus_connection_unref(c);
    return result;
}
