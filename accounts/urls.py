from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path
from django_ratelimit.decorators import ratelimit

from accounts import views
from accounts.forms import LoginForm, PasswordResetRequestForm

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    # Each request mails someone: throttled per address like sign-up (THROTTLE_SIGNUP).
    path("password/reset/", ratelimit(key="ip", rate=lambda group, request: settings.THROTTLE_SIGNUP, method="POST", block=True)(
        auth_views.PasswordResetView.as_view(form_class=PasswordResetRequestForm)), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("profile/", views.profile, name="profile"),
    path("account/delete/", views.account_delete_view, name="account_delete"),
]
