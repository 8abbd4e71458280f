#include <SDL2/SDL.h>
#include <SDL2/SDL_syswm.h>
#include <string.h>

/// What an SDL_SYSWMEVENT carrying an X11 XDND client message is: 1 XdndEnter, 2 XdndPosition, 3 XdndLeave,
/// 4 XdndDrop, 0 anything else. SDL2 on X11 reports a drop only when it lands; these give feedback while a file is
/// dragged over the window. (libsdl2-dev depends on libx11-dev, so the headers and libX11 are there.)
static inline int convscope_xdnd_kind(const SDL_Event *e) {
#if defined(SDL_VIDEO_DRIVER_X11)
    if (e->type != SDL_SYSWMEVENT || e->syswm.msg == NULL || e->syswm.msg->subsystem != SDL_SYSWM_X11) return 0;
    const XEvent *x = &e->syswm.msg->msg.x11.event;
    if (x->type != ClientMessage) return 0;
    char *name = XGetAtomName(x->xclient.display, x->xclient.message_type);
    if (name == NULL) return 0;
    int kind = strcmp(name, "XdndEnter") == 0 ? 1 : strcmp(name, "XdndPosition") == 0 ? 2
             : strcmp(name, "XdndLeave") == 0 ? 3 : strcmp(name, "XdndDrop") == 0 ? 4 : 0;
    XFree(name);
    return kind;
#else
    (void)e;
    return 0;
#endif
}
