from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "concord.customers"
    label = "customers"
    verbose_name = "Customers"
