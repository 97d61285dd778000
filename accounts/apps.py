from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts.receivers import remember_time_zone_at_log_in

        user_logged_in.connect(remember_time_zone_at_log_in, dispatch_uid="accounts.remember_time_zone_at_log_in")
