"""REST API views for jobs; mounted under /api/v1/ by careercopilot/api_urls.py."""

urlpatterns: list = []
