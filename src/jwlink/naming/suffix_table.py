"""Every suffix the JWST pipeline writes, with the stage that writes it: data only.

Source: spacetelescope/jwst at commit 9c979f9dd7ebad425235af71bfd3f57696a742b3
(2026-08-21, 3.0.0rc2+74, just after release 3.0.0), and the installed jwst 3.0.0.

Which suffixes (column ``listed``):

- ``K``: ``KNOW_SUFFIXES`` of ``jwst/lib/suffix.py`` at that commit (all 176);
- ``3.0.0``: listed by jwst 3.0.0 and renamed at that commit (engdblog, imprint,
  spec2nrslamp, stackrefs, wfscombine);
- ``old``: listed by releases 1.5.0 to 1.20.2 and dropped since
  (``git show <tag>:jwst/lib/suffix.py`` over the release tags);
- empty: written by the code but not in ``KNOW_SUFFIXES`` -- the products of
  ``docs/jwst/data_products/product_types.rst`` and the extra outputs the steps
  save with ``make_output_path(suffix=...)``, ``save_model(suffix=...)`` or
  ``step.suffix = ...`` (``jwst/pipeline/calwebb_*.py``, ``jwst/*/*_step.py``).

Column ``stages``: the stages whose pipelines run the step or write the product,
from the ``step_defs`` of the pipeline classes (``jwst/pipeline/calwebb_*.py``):
``1`` calwebb_detector1, calwebb_dark; ``2`` calwebb_image2, calwebb_spec2 (and
the master_background_mos pipeline nested in it), calwebb_guider; ``3``
calwebb_image3, calwebb_spec3, calwebb_coron3, calwebb_ami3, calwebb_tso3,
calwebb_wfs-image3; ``0`` written by DMS before any pipeline (uncal); empty for
a utility step no pipeline runs. A step shows up twice, by its alias
(``flat_field``) and by its lower-cased class name (``flatfieldstep``); the
pipelines' aliases and class names (``calwebb_image2``, ``image2pipeline``) are
suffixes too. Column ``base``: ``exp`` or ``src`` where product_types.rst fixes
the name base of the product, empty where the output is named like the input.
Column ``type``: S (MAST productType SCIENCE) or A (AUXILIARY). Then what writes
the file and a description (for steps, the first line of the step's docstring).

The rows with a step were generated from jwst 3.0.0 (``all_steps()`` and each
pipeline's ``step_defs``); tests/test_naming_suffixes.py checks them against the
installed jwst again. `jwlink.naming.suffixes` turns stages into levels.
"""

from __future__ import annotations

__all__ = ["ROWS"]

# suffix | stages | base | type | listed | written by | description
_TABLE = """\
adaptive_trace_model        | 23 |     | A | K     | AdaptiveTraceModelStep (calwebb_spec2, calwebb_spec3, calwebb_tso3)                | Fit an adaptive trace model to a spectral image
adaptivetracemodelstep      | 23 |     | A | K     | AdaptiveTraceModelStep (calwebb_spec2, calwebb_spec3, calwebb_tso3)                | Fit an adaptive trace model to a spectral image (class name)
align_refs                  | 3  |     | A | K     | AlignRefsStep (calwebb_coron3)                                                     | Align coronagraphic PSF images with science target images
alignrefsstep               | 3  |     | A | K     | AlignRefsStep (calwebb_coron3)                                                     | Align coronagraphic PSF images with science target images (class name)
ami                         | 3  | exp | S | K     | AmiAnalyzeStep (calwebb_ami3, before 1.12)                                         | AMI fringe fit results (older name of amilg/ami-oi)
ami-oi                      | 3  | exp | S | K     | AmiAnalyzeStep (calwebb_ami3)                                                      | Averaged observables (OIFITS)
ami3pipeline                | 3  |     | A | K     | calwebb_ami3                                                                       | Output of the calwebb_ami3 pipeline under its own name (Ami3Pipeline)
ami_analyze                 | 3  |     | A | K     | AmiAnalyzeStep (calwebb_ami3)                                                      | Performs analysis of an AMI mode exposure by applying the LG algorithm
ami_average                 | 3  |     | A | old   | AmiAverageStep (calwebb_ami3, 1.5.0-1.13.4)                                        | Average LG results of AMI exposures
ami_normalize               | 3  |     | A | K     | AmiNormalizeStep (calwebb_ami3)                                                    | Normalize target LG results using reference LG results
amianalyzestep              | 3  |     | A | K     | AmiAnalyzeStep (calwebb_ami3)                                                      | Performs analysis of an AMI mode exposure by applying the LG algorithm (class name)
amiaveragestep              | 3  |     | A | old   | AmiAverageStep (calwebb_ami3, 1.5.0-1.20.2)                                        | Average LG results of AMI exposures
amiavg                      | 3  | src | S | old   | AmiAverageStep (calwebb_ami3, 1.5.0-1.13.4)                                        | Averaged AMI results (older)
amilg                       | 3  | exp | S |       | AmiAnalyzeStep (calwebb_ami3)                                                      | Fringe parameters, best-fit models
amimulti-oi                 | 3  | exp | S |       | AmiAnalyzeStep (calwebb_ami3)                                                      | Observables per integration (OIFITS)
aminorm                     | 3  | src | S | K     | AmiNormalizeStep (calwebb_ami3, before 1.12)                                       | Normalized AMI results (older name of aminorm-oi)
aminorm-oi                  | 3  | src | S | K     | AmiNormalizeStep (calwebb_ami3)                                                    | Normalized observables (OIFITS)
aminormalizestep            | 3  |     | A | K     | AmiNormalizeStep (calwebb_ami3)                                                    | Normalize target LG results using reference LG results (class name)
assign_mtwcs                | 3  |     | A | K     | AssignMTWcsStep (calwebb_image3, calwebb_spec3)                                    | Create a gWCS object for a moving target
assign_wcs                  | 2  |     | A | K     | AssignWcsStep (calwebb_image2, calwebb_spec2)                                      | Create a gWCS object and store it in ``Model.meta.wcs``
assignmtwcsstep             | 3  |     | A | K     | AssignMTWcsStep (calwebb_image3, calwebb_spec3)                                    | Create a gWCS object for a moving target (class name)
assignwcsstep               | 2  |     | A | K     | AssignWcsStep (calwebb_image2, calwebb_spec2)                                      | Create a gWCS object and store it in ``Model.meta.wcs`` (class name)
background                  | 2  |     | A | old   | BackgroundStep (calwebb_image2, calwebb_spec2; alias before 'bkg_subtract')        | Subtract background exposures from target exposures
backgroundstep              | 2  |     | A | K     | BackgroundStep (calwebb_image2, calwebb_spec2)                                     | Subtract background exposures from target exposures (class name)
badpix_selfcal              | 2  |     | A | K     | BadpixSelfcalStep (calwebb_spec2)                                                  | Flag residual artifacts as bad pixels using a median filter and percentile cutoffs
badpix_selfcal_bkg          | 2  | exp | A |       | BadpixSelfcalStep (calwebb_spec2)                                                  | Optional background used by badpix_selfcal
badpixselfcalstep           | 2  |     | A | K     | BadpixSelfcalStep (calwebb_spec2)                                                  | Flag residual artifacts as bad pixels using a median filter and percentile cutoffs (class name)
barshadow                   | 2  |     | A | K     | BarShadowStep (calwebb_spec2)                                                      | Correct NIRSpec MOS data for barshadow effects
barshadowstep               | 2  |     | A | K     | BarShadowStep (calwebb_spec2)                                                      | Correct NIRSpec MOS data for barshadow effects (class name)
bkg_subtract                | 2  |     | A | K     | BackgroundStep (calwebb_image2, calwebb_spec2)                                     | Subtract background exposures from target exposures
bkgx1d                      | 2  | exp | A |       | MasterBackgroundMosStep (calwebb_spec2)                                            | Optional 1-D background spectra
blot                        | 3  | exp | A | K     | OutlierDetectionStep (stage 3)                                                     | Optional blotted median image of outlier detection
bsub                        | 2  | exp | A | K     | BackgroundStep (calwebb_image2, calwebb_spec2)                                     | Optional 2-D background-subtracted data
bsubints                    | 2  | exp | A | K     | BackgroundStep (calwebb_image2, calwebb_spec2)                                     | Optional 3-D background-subtracted data (per integration)
c1d                         | 3  | src | S | K     | Combine1dStep (calwebb_spec3)                                                      | 1-D combined spectroscopic data
cal                         | 2  | exp | S | K     | calwebb_image2, calwebb_spec2, calwebb_guider                                      | 2-D calibrated data
calints                     | 2  | exp | S | K     | calwebb_image2, calwebb_spec2                                                      | 3-D calibrated data; coronagraphy, AMI and TSO
calwebb_ami3                | 3  |     | A | K     | calwebb_ami3                                                                       | Output of the calwebb_ami3 pipeline under its own name
calwebb_coron3              | 3  |     | A | K     | calwebb_coron3                                                                     | Output of the calwebb_coron3 pipeline under its own name
calwebb_dark                | 1  |     | A | K     | calwebb_dark                                                                       | Output of the calwebb_dark pipeline under its own name
calwebb_detector1           | 1  |     | A | K     | calwebb_detector1                                                                  | Output of the calwebb_detector1 pipeline under its own name
calwebb_guider              | 2  |     | A | K     | calwebb_guider                                                                     | Output of the calwebb_guider pipeline under its own name
calwebb_image2              | 2  |     | A | K     | calwebb_image2                                                                     | Output of the calwebb_image2 pipeline under its own name
calwebb_image3              | 3  |     | A | K     | calwebb_image3                                                                     | Output of the calwebb_image3 pipeline under its own name
calwebb_spec2               | 2  |     | A | K     | calwebb_spec2                                                                      | Output of the calwebb_spec2 pipeline under its own name
calwebb_spec3               | 3  |     | A | K     | calwebb_spec3                                                                      | Output of the calwebb_spec3 pipeline under its own name
calwebb_tso3                | 3  |     | A | K     | calwebb_tso3                                                                       | Output of the calwebb_tso3 pipeline under its own name
calwebb_wfs-image3          | 3  |     | A | K     | calwebb_wfs-image3                                                                 | Output of the calwebb_wfs-image3 pipeline under its own name
cat                         | 3  | src | S | K     | SourceCatalogStep (calwebb_image3)                                                 | Source catalog
charge_migration            | 1  |     | A | K     | ChargeMigrationStep (calwebb_detector1)                                            | Set the CHARGELOSS flag for groups exhibiting significant charge migration
chargemigrationstep         | 1  |     | A | K     | ChargeMigrationStep (calwebb_detector1)                                            | Set the CHARGELOSS flag for groups exhibiting significant charge migration (class name)
clean_flicker_noise         | 12 |     | A | K     | CleanFlickerNoiseStep (calwebb_detector1, calwebb_spec2)                           | Perform flicker noise correction
cleanflickernoisestep       | 12 |     | A | K     | CleanFlickerNoiseStep (calwebb_detector1, calwebb_spec2)                           | Perform flicker noise correction (class name)
combine1dstep               | 3  |     | A | K     | Combine1dStep (calwebb_spec3)                                                      | Combine 1D spectra (class name)
combine_1d                  | 3  |     | A | K     | Combine1dStep (calwebb_spec3)                                                      | Combine 1D spectra
combinedbackground          | 2  | exp | A |       | BackgroundStep (calwebb_image2, calwebb_spec2)                                     | Optional combined background image
coron3pipeline              | 3  |     | A | K     | calwebb_coron3                                                                     | Output of the calwebb_coron3 pipeline under its own name (Coron3Pipeline)
crf                         | 3  | exp | S | K     | calwebb_image3, calwebb_spec3                                                      | 2-D CR-flagged calibrated data (Level 2c)
crfints                     | 3  | exp | S | K     | calwebb_coron3, calwebb_tso3                                                       | 3-D CR-flagged calibrated data (Level 2c)
cube_build                  | 23 |     | A | K     | CubeBuildStep (calwebb_spec2, calwebb_spec3)                                       | Create a 3-D spectral cube from IFU data
cube_skymatch               | 3  |     | A |       | CubeSkyMatchStep (stand-alone, stage 3; 1.5.0-1.19)                                | Match the sky of IFU cubes
cubebuildstep               | 23 |     | A | K     | CubeBuildStep (calwebb_spec2, calwebb_spec3)                                       | Create a 3-D spectral cube from IFU data (class name)
cubeskymatchstep            | 3  |     | A | old   | CubeSkyMatchStep (stand-alone, stage 3; 1.5.0-1.19)                                | Match the sky of IFU cubes
dark                        | 1  | exp | A | K     | calwebb_dark; calwebb_detector1 dark_current (optional)                            | 4-D corrected dark exposure data; optional on-the-fly dark
dark_current                | 1  |     | A | K     | DarkCurrentStep (calwebb_detector1)                                                | Subtract dark current from the input science data
darkcurrentstep             | 1  |     | A | K     | DarkCurrentStep (calwebb_detector1)                                                | Subtract dark current from the input science data (class name)
darkpipeline                | 1  |     | A | K     | calwebb_dark                                                                       | Output of the calwebb_dark pipeline under its own name (DarkPipeline)
detector1pipeline           | 1  |     | A | K     | calwebb_detector1                                                                  | Output of the calwebb_detector1 pipeline under its own name (Detector1Pipeline)
dq_init                     | 12 |     | A | K     | DQInitStep (calwebb_dark, calwebb_detector1, calwebb_guider)                       | Initialize the Data Quality (DQ) extension from the mask reference file
dqinitstep                  | 12 |     | A | K     | DQInitStep (calwebb_dark, calwebb_detector1, calwebb_guider)                       | Initialize the Data Quality (DQ) extension from the mask reference file (class name)
emi_ref_waves               | 1  | exp | A |       | EmiCorrStep (calwebb_detector1)                                                    | Optional EMI reference waveforms
emicorr                     | 1  |     | A | K     | EmiCorrStep (calwebb_dark, calwebb_detector1)                                      | Correct MIRI ramp data for EMI noise
emicorrstep                 | 1  |     | A | K     | EmiCorrStep (calwebb_dark, calwebb_detector1)                                      | Correct MIRI ramp data for EMI noise (class name)
engdblog                    |    |     | A | 3.0.0 | EngDBLogStep (utility step, no pipeline)                                           | Log engineering database values
esec                        | 2  | exp | A |       | calwebb_spec2 (WFSS)                                                               | WFSS per-source spectral cutouts (optional)
extract1dstep               | 23 |     | A | K     | Extract1dStep (calwebb_spec2, calwebb_spec3, calwebb_tso3)                         | Extract a 1D spectrum from 2D data (class name)
extract2dstep               | 2  |     | A | K     | Extract2dStep (calwebb_spec2)                                                      | Extract 2D spectral cutouts (class name)
extract_1d                  | 23 |     | A | K     | Extract1dStep (calwebb_spec2, calwebb_spec3, calwebb_tso3)                         | Extract a 1D spectrum from 2D data
extract_2d                  | 2  |     | A | K     | Extract2dStep (calwebb_spec2)                                                      | Extract 2D spectral cutouts
firstframe                  | 1  |     | A | K     | FirstFrameStep (calwebb_dark, calwebb_detector1)                                   | Set data quality flags for the first group in MIRI ramps
firstframestep              | 1  |     | A | K     | FirstFrameStep (calwebb_dark, calwebb_detector1)                                   | Set data quality flags for the first group in MIRI ramps (class name)
fit_results                 | 2  | exp | A |       | ResidualFringeStep (calwebb_spec2)                                                 | Optional residual-fringe fit results
fitopt                      | 1  | exp | A |       | RampFitStep (calwebb_detector1)                                                    | Optional fit info from ramp_fit step
flat                        | 2  | exp | A |       | FlatFieldStep (calwebb_spec2)                                                      | Optional NIRSpec on-the-fly constructed flat
flat_field                  | 2  |     | A | K     | FlatFieldStep (calwebb_guider, calwebb_image2, calwebb_spec2)                      | Flat-field a science image using a flatfield reference image
flatfieldstep               | 2  |     | A | K     | FlatFieldStep (calwebb_guider, calwebb_image2, calwebb_spec2)                      | Flat-field a science image using a flatfield reference image (class name)
flicker_bkg                 | 12 | exp | A |       | CleanFlickerNoiseStep (calwebb_detector1, calwebb_spec2)                           | Optional fitted background
flicker_noise               | 12 | exp | A |       | CleanFlickerNoiseStep (calwebb_detector1, calwebb_spec2)                           | Optional fitted flicker noise
fringe                      | 2  |     | A | K     | FringeStep (calwebb_spec2)                                                         | Apply fringe correction to a science image using a fringe reference image
fringestep                  | 2  |     | A | K     | FringeStep (calwebb_spec2)                                                         | Apply fringe correction to a science image using a fringe reference image (class name)
gain_scale                  | 1  |     | A | K     | GainScaleStep (calwebb_detector1)                                                  | Rescale all integrations in an exposure by a gain factor
gain_scaleints              | 1  | exp | A |       | GainScaleStep (calwebb_detector1), per integration                                 | Gain-scaled data per integration
gainscalestep               | 1  |     | A | K     | GainScaleStep (calwebb_detector1)                                                  | Rescale all integrations in an exposure by a gain factor (class name)
group_scale                 | 1  |     | A | K     | GroupScaleStep (calwebb_dark, calwebb_detector1)                                   | Rescale group data to account for on-board frame averaging
groupscalestep              | 1  |     | A | K     | GroupScaleStep (calwebb_dark, calwebb_detector1)                                   | Rescale group data to account for on-board frame averaging (class name)
guider_cds                  | 2  |     | A | K     | GuiderCdsStep (calwebb_guider)                                                     | Calculate the count rate for each pixel for FGS modes
guidercdsstep               | 2  |     | A | K     | GuiderCdsStep (calwebb_guider)                                                     | Calculate the count rate for each pixel for FGS modes (class name)
guiderpipeline              | 2  |     | A | K     | calwebb_guider                                                                     | Output of the calwebb_guider pipeline under its own name (GuiderPipeline)
hlsp                        | 3  |     | A | K     | HlspStep (stand-alone, after calwebb_coron3)                                       | Make HLSPs after KLIP processing
hlspstep                    | 3  |     | A | K     | HlspStep (stand-alone, after calwebb_coron3)                                       | Make HLSPs after KLIP processing
i2d                         | 23 |     | S | K     | calwebb_image2 (exposure), calwebb_image3, calwebb_coron3 (source)                 | 2-D resampled imaging data
image2pipeline              | 2  |     | A | K     | calwebb_image2                                                                     | Output of the calwebb_image2 pipeline under its own name (Image2Pipeline)
image3pipeline              | 3  |     | A | K     | calwebb_image3                                                                     | Output of the calwebb_image3 pipeline under its own name (Image3Pipeline)
imprint                     | 2  |     | A | 3.0.0 | ImprintStep (calwebb_spec2; alias 'imprint' in 3.0.0)                              | Remove NIRSpec MSA imprint structure from an exposure
imprint_subtract            | 2  |     | A | K     | ImprintStep (calwebb_spec2)                                                        | Remove NIRSpec MSA imprint structure from an exposure
imprintstep                 | 2  |     | A | K     | ImprintStep (calwebb_spec2)                                                        | Remove NIRSpec MSA imprint structure from an exposure (class name)
interpolatedflat            | 2  | exp | A |       | FlatFieldStep (calwebb_spec2)                                                      | Optional on-the-fly interpolated flat
ipc                         | 1  |     | A | K     | IPCStep (calwebb_dark, calwebb_detector1)                                          | Perform IPC correction by convolving a science datamodel with IPC reference data
ipcstep                     | 1  |     | A | K     | IPCStep (calwebb_dark, calwebb_detector1)                                          | Perform IPC correction by convolving a science datamodel with IPC reference data (class name)
jump                        | 1  |     | A | K     | JumpStep (calwebb_detector1)                                                       | Perform jump detection using two point difference
jumpstep                    | 1  |     | A | K     | JumpStep (calwebb_detector1)                                                       | Perform jump detection using two point difference (class name)
klip                        | 3  |     | A | K     | KlipStep (calwebb_coron3)                                                          | Performs KLIP processing on a science target coronagraphic exposure
klipstep                    | 3  |     | A | K     | KlipStep (calwebb_coron3)                                                          | Performs KLIP processing on a science target coronagraphic exposure (class name)
lastframe                   | 1  |     | A | K     | LastFrameStep (calwebb_dark, calwebb_detector1)                                    | Set data quality flags for the last group in MIRI ramps
lastframestep               | 1  |     | A | K     | LastFrameStep (calwebb_dark, calwebb_detector1)                                    | Set data quality flags for the last group in MIRI ramps (class name)
linear_interp               | 23 |     | A |       | AdaptiveTraceModelStep                                                             | Optional linear interpolation model
linearity                   | 1  |     | A | K     | LinearityStep (calwebb_dark, calwebb_detector1)                                    | Perform a correction for non-linear detector response, using the polynomial method
linearitystep               | 1  |     | A | K     | LinearityStep (calwebb_dark, calwebb_detector1)                                    | Perform a correction for non-linear detector response, using the polynomial method (class name)
mask                        | 12 | exp | A |       | CleanFlickerNoiseStep (calwebb_detector1, calwebb_spec2)                           | Optional flicker-noise background mask
master_background           | 3  |     | A | K     | MasterBackgroundStep (calwebb_spec3)                                               | Compute and subtract master background from spectra
master_background_mos       | 2  |     | A | K     | MasterBackgroundMosStep (calwebb_spec2)                                            | Apply master background processing to NIRSpec MOS data
masterbackgroundmosstep     | 2  |     | A | K     | MasterBackgroundMosStep (calwebb_spec2)                                            | Apply master background processing to NIRSpec MOS data (class name)
masterbackgroundstep        | 3  |     | A | K     | MasterBackgroundStep (calwebb_spec3)                                               | Compute and subtract master background from spectra (class name)
masterbg1d                  | 23 |     | A |       | MasterBackgroundStep, MasterBackgroundMosStep                                      | Optional 1-D master background spectrum
masterbg2d                  | 23 |     | A |       | MasterBackgroundStep, MasterBackgroundMosStep                                      | Optional 2-D master background
mbsub                       | 3  | exp | A | K     | MasterBackgroundStep (calwebb_spec3)                                               | Master-background-subtracted data
median                      | 3  |     | A | K     | OutlierDetectionStep (stage 3)                                                     | Optional median image of outlier detection
mrs_imatch                  | 3  |     | A | old   | MRSIMatchStep (calwebb_spec3, 1.5.0-1.19.2)                                        | Match the background levels of MIRI MRS images
mrsimatchstep               | 3  |     | A | old   | MRSIMatchStep (calwebb_spec3, 1.5.0-1.19.2)                                        | Match the background levels of MIRI MRS images
msa_flagging                | 2  |     | A | K     | MSAFlagOpenStep (calwebb_spec2)                                                    | Flag pixels affected by MSA failed open shutters
msaflagopenstep             | 2  |     | A | K     | MSAFlagOpenStep (calwebb_spec2)                                                    | Flag pixels affected by MSA failed open shutters (class name)
nsclean                     | 2  |     | A | old   | NSCleanStep (calwebb_spec2, 1.13.0-1.20.2)                                         | Remove 1/f noise from NIRSpec data
nscleanstep                 | 2  |     | A | old   | NSCleanStep (calwebb_spec2, 1.13.0-1.20.2)                                         | Remove 1/f noise from NIRSpec data
out_table                   | 2  | exp | A |       | ResidualFringeStep (calwebb_spec2)                                                 | Optional residual-fringe output table
outlier_detection           | 3  |     | A | K     | OutlierDetectionStep (calwebb_coron3, calwebb_image3, calwebb_spec3, calwebb_tso3) | Flag outlier bad pixels and cosmic rays in DQ array of each input image
outlier_detection_scaled    | 3  |     | A | old   | OutlierDetectionScaledStep (calwebb_tso3, 1.5.0-1.14.1)                            | Outlier detection of TSO data, scaled
outlier_detection_stack     | 3  |     | A | old   | OutlierDetectionStackStep (stage 3, 1.5.0-1.14.1)                                  | Outlier detection on a stack
outlier_i2d                 | 3  |     | A |       | OutlierDetectionStep via ResampleStep (stage 3)                                    | Optional intermediate resampled image of outlier detection
outlier_s2d                 | 3  |     | A |       | OutlierDetectionStep via ResampleSpecStep (stage 3)                                | Optional intermediate resampled spectrum of outlier detection
outlierdetectionscaledstep  | 3  |     | A | old   | OutlierDetectionScaledStep (calwebb_tso3, 1.5.0-1.14.1)                            | Outlier detection of TSO data, scaled
outlierdetectionstackstep   | 3  |     | A | old   | OutlierDetectionStackStep (stage 3, 1.5.0-1.14.1)                                  | Outlier detection on a stack
outlierdetectionstep        | 3  |     | A | K     | OutlierDetectionStep (calwebb_coron3, calwebb_image3, calwebb_spec3, calwebb_tso3) | Flag outlier bad pixels and cosmic rays in DQ array of each input image (class name)
pathloss                    | 2  |     | A | K     | PathLossStep (calwebb_spec2)                                                       | Apply the path loss correction to a science exposure
pathlossstep                | 2  |     | A | K     | PathLossStep (calwebb_spec2)                                                       | Apply the path loss correction to a science exposure (class name)
pctfrm_correction           | 1  | exp | A |       | PictureFrameStep (calwebb_detector1)                                               | Optional picture-frame correction
pctfrm_mask                 | 1  | exp | A |       | PictureFrameStep (calwebb_detector1)                                               | Optional picture-frame mask
persistence                 | 1  |     | A | K     | PersistenceStep (calwebb_detector1)                                                | Correct a science image for persistence
persistencestep             | 1  |     | A | K     | PersistenceStep (calwebb_detector1)                                                | Correct a science image for persistence (class name)
phot                        | 3  | src | S | K     | TSOPhotometryStep (calwebb_tso3)                                                   | TSO imaging photometry catalog
photom                      | 23 |     | A | K     | PhotomStep (calwebb_image2, calwebb_spec2, calwebb_spec3, calwebb_tso3)            | Apply photometric calibration
photomstep                  | 23 |     | A | K     | PhotomStep (calwebb_image2, calwebb_spec2, calwebb_spec3, calwebb_tso3)            | Apply photometric calibration (class name)
picture_frame               | 1  |     | A | K     | PictureFrameStep (calwebb_detector1)                                               | Perform picture frame correction
pictureframestep            | 1  |     | A | K     | PictureFrameStep (calwebb_detector1)                                               | Perform picture frame correction (class name)
pixel_replace               | 23 |     | A | K     | PixelReplaceStep (calwebb_spec2, calwebb_spec3, calwebb_tso3)                      | Replace flagged bad pixels prior to spectral extraction
pixelreplacestep            | 23 |     | A | K     | PixelReplaceStep (calwebb_spec2, calwebb_spec3, calwebb_tso3)                      | Replace flagged bad pixels prior to spectral extraction (class name)
psf-ami-oi                  | 3  | exp | S |       | AmiAnalyzeStep (calwebb_ami3) on a PSF reference                                   | Averaged observables of a PSF reference
psf-amiavg                  | 3  | src | S | old   | AmiAverageStep (calwebb_ami3, 1.5.0-1.13.4) on PSF references                      | Averaged AMI results of PSF references (older)
psfalign                    | 3  | exp | S | K     | AlignRefsStep (calwebb_coron3)                                                     | Aligned PSF images
psfstack                    | 3  | src | S | K     | StackRefsStep (calwebb_coron3)                                                     | PSF library images
psfsub                      | 3  | exp | S | K     | KlipStep (calwebb_coron3)                                                          | PSF-subtracted images
ramp                        | 1  | exp | A | K     | calwebb_detector1                                                                  | Optional 4-D corrected ramp data
ramp_fit                    | 1  |     | A | K     | RampFitStep (calwebb_detector1)                                                    | Fit ramp data to determine the mean count rate
rampfitstep                 | 1  |     | A | K     | RampFitStep (calwebb_detector1)                                                    | Fit ramp data to determine the mean count rate (class name)
rate                        | 1  | exp | S | K     | calwebb_detector1                                                                  | 2-D countrate data (per exposure)
rateints                    | 1  | exp | S | K     | calwebb_detector1                                                                  | 3-D countrate data (per integration)
refpix                      | 1  |     | A | K     | RefPixStep (calwebb_dark, calwebb_detector1)                                       | Use reference pixels to correct bias drifts
refpixstep                  | 1  |     | A | K     | RefPixStep (calwebb_dark, calwebb_detector1)                                       | Use reference pixels to correct bias drifts (class name)
resample                    | 23 |     | A | K     | ResampleStep (calwebb_image2, calwebb_coron3, calwebb_image3)                      | Resample imaging data onto a regular grid using the drizzle algorithm
resample_spec               | 23 |     | A | K     | ResampleSpecStep (calwebb_spec2, calwebb_spec3)                                    | Resample spectral data onto a regular grid using the drizzle algorithm
resamplespecstep            | 23 |     | A | K     | ResampleSpecStep (calwebb_spec2, calwebb_spec3)                                    | Resample spectral data onto a regular grid using the drizzle algorithm (class name)
resamplestep                | 23 |     | A | K     | ResampleStep (calwebb_image2, calwebb_coron3, calwebb_image3)                      | Resample imaging data onto a regular grid using the drizzle algorithm (class name)
reset                       | 1  |     | A | K     | ResetStep (calwebb_dark, calwebb_detector1)                                        | Subtract the reset correction reference data from the MIRI input science data model
resetstep                   | 1  |     | A | K     | ResetStep (calwebb_dark, calwebb_detector1)                                        | Subtract the reset correction reference data from the MIRI input science data model (class name)
residual_fringe             | 2  |     | A | K     | ResidualFringeStep (calwebb_spec2)                                                 | Apply residual fringe correction to a MIRI MRS image
residualfringestep          | 2  |     | A | K     | ResidualFringeStep (calwebb_spec2)                                                 | Apply residual fringe correction to a MIRI MRS image (class name)
rscd                        | 1  |     | A | K     | RscdStep (calwebb_dark, calwebb_detector1)                                         | Flag the first N groups an integration of MIRI data to 'DO_NOT_USE'
rscdstep                    | 1  |     | A | K     | RscdStep (calwebb_dark, calwebb_detector1)                                         | Flag the first N groups an integration of MIRI data to 'DO_NOT_USE' (class name)
s2d                         | 23 |     | S | K     | calwebb_spec2 (exposure), calwebb_spec3 (source)                                   | 2-D resampled spectroscopic data
s3d                         | 23 |     | S | K     | calwebb_spec2 (exposure), calwebb_spec3 (source)                                   | 3-D resampled spectroscopic data; NIRSpec IFU and MIRI MRS
saturation                  | 1  |     | A | K     | SaturationStep (calwebb_dark, calwebb_detector1)                                   | Set saturation flags
saturationstep              | 1  |     | A | K     | SaturationStep (calwebb_dark, calwebb_detector1)                                   | Set saturation flags (class name)
segm                        | 3  | src | S |       | SourceCatalogStep (calwebb_image3)                                                 | Segmentation map
shower_model                | 2  | exp | A |       | StraylightStep (calwebb_spec2)                                                     | Optional MIRI shower model
simul                       | 2  | exp | A |       | WfssContamStep (calwebb_spec2)                                                     | Optional simulated WFSS contamination image
skymatch                    | 3  |     | A | K     | SkyMatchStep (calwebb_image3)                                                      | Subtract or equalize sky background in science images
skymatchstep                | 3  |     | A | K     | SkyMatchStep (calwebb_image3)                                                      | Subtract or equalize sky background in science images (class name)
snr                         | 3  |     | A | K     | HlspStep (after calwebb_coron3)                                                    | Signal-to-noise image of a KLIP result
source_catalog              | 3  |     | A | K     | SourceCatalogStep (calwebb_image3)                                                 | Create a final catalog of source photometry and morphologies
sourcecatalogstep           | 3  |     | A | K     | SourceCatalogStep (calwebb_image3)                                                 | Create a final catalog of source photometry and morphologies (class name)
sourcetypestep              | 2  |     | A | K     | SourceTypeStep (calwebb_spec2)                                                     | Select and set a source type based on various inputs (class name)
spec2nrslamp                | 2  |     | A | 3.0.0 | Spec2NRSLampPipeline (older calwebb_spec2 variant)                                 | NIRSpec lamp exposure processed by stage 2
spec2pipeline               | 2  |     | A | K     | calwebb_spec2                                                                      | Output of the calwebb_spec2 pipeline under its own name (Spec2Pipeline)
spec3pipeline               | 3  |     | A | K     | calwebb_spec3                                                                      | Output of the calwebb_spec3 pipeline under its own name (Spec3Pipeline)
spectral_leak               | 3  |     | A | K     | SpectralLeakStep (calwebb_spec3)                                                   | Apply a spectral leak correction to Channel 3A of MIRI MRS data
spectralleakstep            | 3  |     | A | K     | SpectralLeakStep (calwebb_spec3)                                                   | Apply a spectral leak correction to Channel 3A of MIRI MRS data (class name)
spline_full                 | 23 |     | A |       | AdaptiveTraceModelStep                                                             | Optional full spline trace model
spline_residual             | 23 |     | A |       | AdaptiveTraceModelStep                                                             | Optional spline residual
spline_used                 | 23 |     | A |       | AdaptiveTraceModelStep                                                             | Optional spline model where used
srctype                     | 2  |     | A | K     | SourceTypeStep (calwebb_spec2)                                                     | Select and set a source type based on various inputs
stack_refs                  | 3  |     | A | K     | StackRefsStep (calwebb_coron3)                                                     | Stack multiple PSF reference exposures into a single CubeModel
stackrefs                   | 3  |     | A | 3.0.0 | StackRefsStep (calwebb_coron3; older alias)                                        | Stack PSF reference exposures
stackrefsstep               | 3  |     | A | K     | StackRefsStep (calwebb_coron3)                                                     | Stack multiple PSF reference exposures into a single CubeModel (class name)
stat_table                  | 2  | exp | A |       | ResidualFringeStep (calwebb_spec2)                                                 | Optional residual-fringe statistics table
straylight                  | 2  |     | A | K     | StraylightStep (calwebb_spec2)                                                     | Correct for straylight caused by cross-artifact effect or residual cosmic rays
straylightstep              | 2  |     | A | K     | StraylightStep (calwebb_spec2)                                                     | Correct for straylight caused by cross-artifact effect or residual cosmic rays (class name)
superbias                   | 1  |     | A | K     | SuperBiasStep (calwebb_dark, calwebb_detector1)                                    | Subtract super-bias reference data from the input science data model
superbiasstep               | 1  |     | A | K     | SuperBiasStep (calwebb_dark, calwebb_detector1)                                    | Subtract super-bias reference data from the input science data model (class name)
targ_centroid               | 2  |     | A | K     | TargCentroidStep (calwebb_spec2)                                                   | Determine position of target source from TA verification image
targcentroidstep            | 2  |     | A | K     | TargCentroidStep (calwebb_spec2)                                                   | Determine position of target source from TA verification image (class name)
trapsfilled                 | 1  | exp | A |       | PersistenceStep (calwebb_detector1)                                                | Charge trap state data
tso3pipeline                | 3  |     | A | K     | calwebb_tso3                                                                       | Output of the calwebb_tso3 pipeline under its own name (Tso3Pipeline)
tso_photometry              | 3  |     | A | K     | TSOPhotometryStep (calwebb_tso3)                                                   | Perform circular aperture photometry on imaging Time Series Observations (TSO)
tsophotometrystep           | 3  |     | A | K     | TSOPhotometryStep (calwebb_tso3)                                                   | Perform circular aperture photometry on imaging Time Series Observations (TSO) (class name)
tweakreg                    | 3  |     | A | K     | TweakRegStep (calwebb_image3)                                                      | Perform image alignment based on catalogs of sources detected in input images
tweakregstep                | 3  |     | A | K     | TweakRegStep (calwebb_image3)                                                      | Perform image alignment based on catalogs of sources detected in input images (class name)
uncal                       | 0  | exp | S | K     | DMS (Level 1b)                                                                     | Uncalibrated 4-D exposure data
undersampling_correction    | 1  |     | A |       | UndersamplingCorrectionStep (calwebb_detector1, 1.10.0-1.12)                       | Flag undersampled charge migration
undersamplingcorrectionstep | 1  |     | A | old   | UndersamplingCorrectionStep (calwebb_detector1, 1.10.0-1.12)                       | Flag undersampled charge migration
wavecorr                    | 2  |     | A | K     | WavecorrStep (calwebb_spec2)                                                       | Apply wavelength offsets to off-center NIRSpec point sources
wavecorrstep                | 2  |     | A | K     | WavecorrStep (calwebb_spec2)                                                       | Apply wavelength offsets to off-center NIRSpec point sources (class name)
wfscmb                      | 3  | src | S | K     | calwebb_wfs-image3                                                                 | 2-D combined WFS&C image
wfscombine                  | 3  |     | A | 3.0.0 | WfsCombineStep (calwebb_wfs-image3; older alias)                                   | Combine pairs of dithered PSF images
wfscombinestep              | 3  |     | A | K     | WfsCombineStep (calwebb_wfs-image3)                                                | Combine pairs of dithered PSF images (class name)
wfss_contam                 | 2  |     | A | K     | WfssContamStep (calwebb_spec2)                                                     | Perform contamination correction of WFSS spectra
wfsscontamstep              | 2  |     | A | K     | WfssContamStep (calwebb_spec2)                                                     | Perform contamination correction of WFSS spectra (class name)
white_light                 | 3  |     | A | K     | WhiteLightStep (calwebb_tso3)                                                      | Sum the spectroscopic flux over all wavelengths in each integration
whitelightstep              | 3  |     | A | K     | WhiteLightStep (calwebb_tso3)                                                      | Sum the spectroscopic flux over all wavelengths in each integration (class name)
whtlt                       | 3  | src | S | K     | WhiteLightStep (calwebb_tso3)                                                      | TSO spectral white-light catalog
x1d                         | 23 |     | S | K     | calwebb_spec2 (exposure), calwebb_spec3 (source)                                   | 1-D extracted spectral data
x1dints                     | 23 |     | S | K     | calwebb_spec2 (exposure), calwebb_tso3 (source)                                    | 1-D extracted spectral data (per integration); TSO
"""  # noqa: E501


def _rows() -> tuple[tuple[str, str, str, str, str, str, str], ...]:
    out = []
    for line in _TABLE.splitlines():
        s, stages, base, ptype, listed, origin, text = (c.strip() for c in line.split("|"))
        out.append((s, stages, base, ptype, listed, origin, text))
    return tuple(out)


# (suffix, stages, base, type, listed, written by, description), sorted by suffix.
ROWS = _rows()
