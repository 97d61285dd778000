class PrimaryReplicaRouter:
    """Reads go to the replica, writes and migrations to the primary.

    Code that must read its own write (inside a transaction, right after a save) reads
    through `Model.objects.using("default")`.
    """

    def db_for_read(self, model, **hints):
        return "replica"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
