"""Scale-out on Apache Spark."""
