from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.conf import settings
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from accounts.forms import AccountDeleteForm, ProfileForm, SignupForm
from accounts.services import account_delete, profile_for, profile_save, user_sign_up
from accounts.time_zones import remember_time_zone
from jobs.models import Skill


@ratelimit(key="ip", rate=lambda group, request: settings.THROTTLE_SIGNUP, method="POST", block=True)
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = user_sign_up(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome to Career Copilot! Tell us what you are looking for.")
        return redirect("profile")
    return render(request, "registration/signup.html", {"form": form})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    instance = profile_for(request.user)
    zone_before = instance.time_zone
    form = ProfileForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        profile = profile_save(form=form, zone_before=zone_before)
        remember_time_zone(request, profile.time_zone)
        messages.success(request, "Profile saved.")
        return redirect("profile")
    skill_names = Skill.objects.order_by("name").values_list("name", flat=True)
    return render(request, "accounts/profile.html", {"form": form, "skill_names": skill_names})


@login_required
@require_http_methods(["GET", "POST"])
def account_delete_view(request: HttpRequest) -> HttpResponse:
    """Delete the account and everything in it, once the seeker has typed their password again."""
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        username = request.user.get_username()
        account_delete(user=request.user)
        logout(request)
        messages.success(request, f"The account {username} and everything in it were deleted.")
        return redirect("home")
    return render(request, "accounts/delete.html", {"form": form}, status=400 if form.errors else 200)
