from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "participants/landing.html")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "participants/home.html")
