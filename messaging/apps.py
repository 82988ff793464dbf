from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messaging"

    def ready(self):
        # Rooms sits below messaging: it learns a room's newest message (a new
        # member's read marker) from here rather than importing messaging.
        from messaging import services
        from rooms.services import provide_newest_message_id

        provide_newest_message_id(services.newest_message_id)
