"""REST API views for applications; mounted under /api/v1/ by careercopilot/api_urls.py."""

urlpatterns: list = []
