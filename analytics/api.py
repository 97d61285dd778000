"""REST API views for analytics; mounted under /api/v1/ by careercopilot/api_urls.py."""

urlpatterns: list = []
