"""The app's pages: room list, rooms, threads, direct messages, invitations, search.

Thin adapters: each reads through the selectors the API uses and writes
through the same services, so a page and an API client see the same rules.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.selectors import active_user_named, public_profile_of
from lair.client_ip import client_ip
from lair.errors import Conflict, DomainError, NotFound
from messaging import selectors, services
from messaging.search import search_messages, search_query
from realtime import log, presence
from rooms import services as room_services
from rooms.permissions import RoomAccess, visible_room
from rooms.selectors import pending_invitations, room_members, search_rooms
from web.forms import MessageForm, RoomForm, add_domain_error
from web.selectors import room_names
from web.views.common import page, with_shell

HISTORY_PAGE = 50
LAST_ROOM_KEY = "web.last_room"
# Pages read with GET (and HEAD); forms post. Nothing else, so no other method
# (OPTIONS, PUT…) reaches a view that marks a room read or opens a direct room.
READ_OR_POST = require_http_methods(["GET", "HEAD", "POST"])
REACTION_CHOICES = ("👍", "❤️", "😂", "🎉", "😮", "😢")


def _int_param(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    # ASCII digits only: str.isdigit() also accepts superscripts (int() refuses
    # them) and other scripts' digits.
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def _members(room) -> list[dict]:
    memberships = list(room_members(room))
    shown = presence.presence_many(m.user_id for m in memberships)
    people = [
        {**public_profile_of(m.user, presence_of=shown), "room_role": m.role} for m in memberships
    ]
    order = {presence.ONLINE: 0, presence.AWAY: 1}
    return sorted(people, key=lambda p: (order.get(p["presence"], 2), p["username"].lower()))


def _history(request, access: RoomAccess) -> dict:
    """A page of history, oldest first.

    The newest page; the page before ``?before=``; or the page around ``?at=``
    (a search result's link), with the newer messages after it.
    """
    viewer = request.user.pk
    before, at = _int_param(request, "before"), _int_param(request, "at")
    newer: list[dict] = []
    has_newer = False
    if at is not None:
        before = at + 1
        newer, has_newer = selectors.room_history(
            access.room,
            viewer_id=viewer,
            before=None,
            after=at,
            limit=HISTORY_PAGE // 2,
            top_level=True,
        )
    older, has_older = selectors.room_history(
        access.room, viewer_id=viewer, before=before, after=None, limit=HISTORY_PAGE, top_level=True
    )
    if before is not None and at is None:
        has_newer = True
    page_messages = [*reversed(older), *newer]
    return {
        "history": page_messages,
        "has_older": has_older,
        "has_newer": has_newer,
        "oldest_id": page_messages[0]["id"] if page_messages else None,
        "newest_id": page_messages[-1]["id"] if page_messages else None,
    }


def _room_context(request, access: RoomAccess, form: MessageForm | None = None) -> dict:
    room = access.room
    # Read before the history: the socket resumes after it, so an event that
    # lands while the page renders is replayed (the script drops repeats).
    event_id = log.latest_event_id()
    context = {
        "room": room,
        "access": access,
        "members": _members(room),
        "form": form or MessageForm(),
        "reaction_choices": REACTION_CHOICES,
        "can_post": access.is_member and not room.is_archived,
        **_history(request, access),
    }
    if room.is_direct:
        peer = next((p for p in context["members"] if p["id"] != request.user.pk), None)
        context["peer"] = peer
        context["room_label"] = (peer["display_name"] or peer["username"]) if peer else room.name
    else:
        context["room_label"] = room.name
    context["page_data"] = {
        "roomId": room.pk,
        "eventId": event_id,
        "canModerate": access.can_moderate,
        "isMember": access.is_member,
        "reactions": REACTION_CHOICES,
    }
    return context


def _mark_read(request, access: RoomAccess, newest_id: int | None) -> None:
    # Reading what was already read writes nothing: no query, no `read` event.
    if (
        access.is_member
        and newest_id is not None
        and newest_id > access.membership.last_read_message_id
    ):
        services.mark_read(actor=request.user, room_id=access.room.pk, message_id=newest_id)


def _render_room(request, access: RoomAccess, *, form=None, status=200):
    context = _room_context(request, access, form)
    if not context["has_newer"]:
        _mark_read(request, access, context["newest_id"])
    if request.session.get(LAST_ROOM_KEY) != access.room.pk:
        request.session[LAST_ROOM_KEY] = access.room.pk
    return render(
        request,
        "web/rooms/room.html",
        with_shell(request, context, current_room_id=access.room.pk),
        status=status,
    )


def _post(request, access: RoomAccess, *, parent_id: int | None = None):
    """Post the composer's message; answers the redirect, or the form with its error."""
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            posted = services.post_message(
                actor=request.user,
                room_id=access.room.pk,
                content=form.cleaned_data["content"],
                parent_id=parent_id,
                client_id=form.cleaned_data["client_id"] or None,
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            add_domain_error(form, exc)
            form.status_code = exc.status_code
            form.retry_after = getattr(exc, "retry_after", None)
        else:
            return None, posted.message
    return form, None


def _refused(response, form):
    """The page with the form's refusal: 400, or 429 with when to retry."""
    if getattr(form, "retry_after", None):
        response["Retry-After"] = str(form.retry_after)
    return response


def _refusal_status(form) -> int:
    return 429 if getattr(form, "status_code", 400) == 429 else 400


@page
@require_safe
def home(request):
    """``/``: the last room opened, or a welcome with the room list."""
    last = request.session.get(LAST_ROOM_KEY)
    if type(last) is int:
        try:
            return _render_room(request, visible_room(request.user, last))
        except NotFound:
            request.session.pop(LAST_ROOM_KEY, None)
    return render(request, "web/home.html", with_shell(request, {"home": True}))


@page
@READ_OR_POST
def room(request, room_id: int):
    access = visible_room(request.user, room_id)
    if request.method == "POST":
        form, message = _post(request, access)
        if form is None:
            return redirect(f"{reverse('web:room', args=[room_id])}#m-{message['id']}")
        response = _render_room(request, access, form=form, status=_refusal_status(form))
        return _refused(response, form)
    return _render_room(request, access)


@page
@READ_OR_POST
def thread(request, room_id: int, message_id: int):
    root, access = services.readable_message(request.user, message_id)
    if root.room_id != room_id or root.parent_id is not None:
        raise Http404("Thread not found.")
    form = None
    status = 200
    if request.method == "POST":
        form, message = _post(request, access, parent_id=root.pk)
        if form is None:
            url = reverse("web:thread", args=[room_id, message_id])
            return redirect(f"{url}#m-{message['id']}")
        status = _refusal_status(form)
    replies, has_more = selectors.thread_replies(
        root, viewer_id=request.user.pk, after=_int_param(request, "after") or 0, limit=100
    )
    context = {
        **_room_context(request, access, form),
        "root": selectors.message_dict(root, request.user.pk),
        "history": replies,
        "has_older": False,
        "has_newer": has_more,
        "thread_view": True,
    }
    response = render(
        request,
        "web/rooms/thread.html",
        with_shell(request, context, current_room_id=room_id),
        status=status,
    )
    return _refused(response, form) if form is not None else response


@page
@require_POST
def join(request, room_id: int):
    room_services.join_room(actor=request.user, room_id=room_id)
    return redirect("web:room", room_id=room_id)


@page
@require_POST
def leave(request, room_id: int):
    room_services.remove_member(actor=request.user, room_id=room_id, user_id=request.user.pk)
    if request.session.get(LAST_ROOM_KEY) == room_id:
        request.session.pop(LAST_ROOM_KEY)
    messages.info(request, "You left the room.")
    return redirect("web:home")


@page
@require_POST
def invite(request, room_id: int):
    """Invite someone by username (the API takes an id; a person types a name)."""
    username = request.POST.get("username", "").strip().lstrip("@")
    try:
        invitee = active_user_named(username)
    except NotFound:
        visible_room(request.user, room_id)  # an outsider learns nothing: 404 first
        messages.error(request, f"No user is called “{username}”.")
    else:
        try:
            _, created = room_services.invite(
                actor=request.user, room_id=room_id, user_id=invitee.pk
            )
        except Conflict as exc:
            messages.error(request, exc.message)
        else:
            name = invitee.display_name or invitee.username
            messages.success(
                request, f"{name} is invited." if created else f"{name} was already invited."
            )
    return redirect("web:room", room_id=room_id)


@page
@require_POST
def delete_message(request, message_id: int):
    """Delete without JavaScript (the script asks first and uses the API)."""
    message = services.delete_message(
        actor=request.user, message_id=message_id, ip=client_ip(request)
    )
    messages.info(request, "Message deleted.")
    return redirect(f"{reverse('web:room', args=[message.room_id])}#m-{message.pk}")


@page
@READ_OR_POST
def new_room(request):
    form = RoomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            room = room_services.create_room(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("web:room", room_id=room.pk)
    status = 400 if form.errors else 200
    return render(request, "web/rooms/new.html", with_shell(request, {"form": form}), status=status)


@page
@require_safe
def browse_rooms(request):
    query = request.GET.get("q", "")
    rooms = list(search_rooms(request.user, query)[:100])
    mine = set(
        request.user.memberships.filter(room_id__in=[r.pk for r in rooms]).values_list(
            "room_id", flat=True
        )
    )
    context = {"rooms": rooms, "mine": mine, "query": query}
    return render(request, "web/rooms/browse.html", with_shell(request, context))


@page
@require_safe
def direct(request, username: str):
    """The direct room with ``username``, created on the first visit."""
    other = active_user_named(username)
    if other.pk == request.user.pk:
        raise Http404("There is no direct room with yourself.")
    room, _ = room_services.get_or_create_direct_room(actor=request.user, user_id=other.pk)
    return redirect("web:room", room_id=room.pk)


@page
@require_safe
def invitations(request):
    pending = list(pending_invitations(request.user))
    return render(
        request, "web/rooms/invitations.html", with_shell(request, {"invitations": pending})
    )


@page
@require_POST
def answer_invitation(request, invitation_id: int, answer: str):
    if answer == "accept":
        membership = room_services.accept_invitation(
            actor=request.user, invitation_id=invitation_id
        )
        return redirect("web:room", room_id=membership.room_id)
    if answer == "decline":
        room_services.decline_invitation(actor=request.user, invitation_id=invitation_id)
        messages.info(request, "Invitation declined.")
        return redirect("web:invitations")
    raise Http404("Unknown answer.")


@page
@require_safe
def search(request):
    query_text = request.GET.get("q", "").strip()
    results: list[dict] = []
    error = None
    if query_text:
        try:
            results, _ = search_messages(
                viewer=request.user, query=search_query(request.user, request.GET), limit=50
            )
        except DomainError as exc:
            error = exc.message
        names = room_names({r["message"]["room_id"] for r in results})
        for result in results:
            result["room_name"] = names.get(result["message"]["room_id"], "")
    context = {"search_query": query_text, "results": results, "error": error}
    return render(request, "web/search.html", with_shell(request, context))


def favicon(request):
    """Browsers ask for /favicon.ico on pages without a ``<link rel="icon">`` (error pages)."""
    return redirect(static("img/favicon.svg"))
