// CI runs the API example of examples/ (a seed sweep with one planted failure):
// importing it registers its tests in this file.
import '../../examples/seed-sweep.test';
