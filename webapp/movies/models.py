"""The seed's Movie, with its vector's dtype, dimension and model recorded beside the bytes."""

from django.db import models


class Movie(models.Model):
    """A film of the catalogue and its embedding: emb holds emb_dimension values of emb_dtype."""

    title = models.CharField(max_length=250, unique=True)
    description = models.TextField()
    image = models.ImageField(upload_to="movie/images/", blank=True)  # the catalogue has no posters
    url = models.URLField(max_length=500, blank=True)
    genre = models.CharField(max_length=250, blank=True)
    year = models.IntegerField(null=True, blank=True)
    # np.asarray(vector, emb_dtype).tobytes(): a BLOB on SQLite, bytea on PostgreSQL (pgvector's
    # `vector` column would replace it there).
    emb = models.BinaryField(null=True, blank=True)
    emb_dtype = models.CharField(max_length=16, blank=True)
    emb_dimension = models.PositiveIntegerField(null=True, blank=True)
    emb_model = models.CharField(max_length=200, blank=True)
    emb_updated = models.DateTimeField(null=True, blank=True)  # the page's cached matrix is keyed by it

    def __str__(self) -> str:
        return self.title
