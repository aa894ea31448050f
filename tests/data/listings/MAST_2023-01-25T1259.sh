#!/bin/bash
#
# Provenance (jwlink test fixture): the layout of a MAST Portal bundle script
# (Download/bundle.sh), cut down from a public one for program 2733
# (MAST_2023-01-25T1259.sh, 80 files) to its first two exposures; the same
# layout is shown on MAST's "API Curl Download" page. Lines kept as MAST
# writes them: header, MANIFEST.HTML heredoc, then "cat <<EOT" + curl per file.
#
# Requires bash version >= 4
#
# The script uses the command line tool 'curl' for querying
# the MAST Download service for public and protected data.
#

type -P curl >&/dev/null || { echo "This script requires curl. Exiting." >&2; exit 1; }

let EXTENSION=0
FOLDER=MAST_2023-01-25T1259
DOWNLOAD_FOLDER=$FOLDER

# mkdir if it doesn't exist and download files there.
mkdir -p ${DOWNLOAD_FOLDER}

cat >${DOWNLOAD_FOLDER}/MANIFEST.HTML<<EOT
<!DOCTYPE html>
<html>
    <head>
        <title>MAST_2023-01-25T1259</title>
    </head>
    <body>
        <h2>Manifest for File: MAST_2023-01-25T1259</h2>
        <h3>Total Files: 4</h3>
        <table cellspacing="0" cellpadding="4" rules="all" style="border-width:5px; border-style:solid; border-collapse:collapse;">
            <tr>
                <td><b>URI</b></td>
                <td><b>File</b></td>
                <td><b>Access</b></td>
                <td><b>Status</b></td>
                <td><b>Logged In User</b></td>
            </tr>
            <tr>
                <td>mast:JWST/product/jw02733002001_02103_00001_mirimage_o002_crf.fits</td>
                <td>JWST/jw02733002001_02103_00001_mirimage/jw02733002001_02103_00001_mirimage_o002_crf.fits</td>
                <td>PUBLIC</td>
                <td>OK</td>
                <td>anonymous</td>
            </tr>
            <tr>
                <td>mast:JWST/product/jw02733002001_02103_00001_mirimage_cal.fits</td>
                <td>JWST/jw02733002001_02103_00001_mirimage/jw02733002001_02103_00001_mirimage_cal.fits</td>
                <td>PUBLIC</td>
                <td>OK</td>
                <td>anonymous</td>
            </tr>
            <tr>
                <td>mast:JWST/product/jw02733002001_02103_00002_mirimage_rate.fits</td>
                <td>JWST/jw02733002001_02103_00002_mirimage/jw02733002001_02103_00002_mirimage_rate.fits</td>
                <td>PUBLIC</td>
                <td>OK</td>
                <td>anonymous</td>
            </tr>
            <tr>
                <td>mast:JWST/product/jw02733002001_02103_00002_mirimage_rateints.fits</td>
                <td>JWST/jw02733002001_02103_00002_mirimage/jw02733002001_02103_00002_mirimage_rateints.fits</td>
                <td>PUBLIC</td>
                <td>OK</td>
                <td>anonymous</td>
            </tr>
        </table>
    </body>
</html>

EOT

# Download Product Files:



cat <<EOT
<<< Downloading File: mast:JWST/product/jw02733002001_02103_00001_mirimage_o002_crf.fits
                  To: ${DOWNLOAD_FOLDER}/JWST/jw02733002001_02103_00001_mirimage/jw02733002001_02103_00001_mirimage_o002_crf.fits
EOT

curl --globoff --location-trusted -f --progress-bar --create-dirs $CONT --output ./${DOWNLOAD_FOLDER}'/JWST/jw02733002001_02103_00001_mirimage/jw02733002001_02103_00001_mirimage_o002_crf.fits' 'https://mast.stsci.edu/api/v0.1/Download/file?bundle_name=MAST_2023-01-25T1259.sh&uri=mast:JWST/product/jw02733002001_02103_00001_mirimage_o002_crf.fits'





cat <<EOT
<<< Downloading File: mast:JWST/product/jw02733002001_02103_00001_mirimage_cal.fits
                  To: ${DOWNLOAD_FOLDER}/JWST/jw02733002001_02103_00001_mirimage/jw02733002001_02103_00001_mirimage_cal.fits
EOT

curl --globoff --location-trusted -f --progress-bar --create-dirs $CONT --output ./${DOWNLOAD_FOLDER}'/JWST/jw02733002001_02103_00001_mirimage/jw02733002001_02103_00001_mirimage_cal.fits' 'https://mast.stsci.edu/api/v0.1/Download/file?bundle_name=MAST_2023-01-25T1259.sh&uri=mast:JWST/product/jw02733002001_02103_00001_mirimage_cal.fits'





cat <<EOT
<<< Downloading File: mast:JWST/product/jw02733002001_02103_00002_mirimage_rate.fits
                  To: ${DOWNLOAD_FOLDER}/JWST/jw02733002001_02103_00002_mirimage/jw02733002001_02103_00002_mirimage_rate.fits
EOT

curl --globoff --location-trusted -f --progress-bar --create-dirs $CONT --output ./${DOWNLOAD_FOLDER}'/JWST/jw02733002001_02103_00002_mirimage/jw02733002001_02103_00002_mirimage_rate.fits' 'https://mast.stsci.edu/api/v0.1/Download/file?bundle_name=MAST_2023-01-25T1259.sh&uri=mast:JWST/product/jw02733002001_02103_00002_mirimage_rate.fits'





cat <<EOT
<<< Downloading File: mast:JWST/product/jw02733002001_02103_00002_mirimage_rateints.fits
                  To: ${DOWNLOAD_FOLDER}/JWST/jw02733002001_02103_00002_mirimage/jw02733002001_02103_00002_mirimage_rateints.fits
EOT

curl --globoff --location-trusted -f --progress-bar --create-dirs $CONT --output ./${DOWNLOAD_FOLDER}'/JWST/jw02733002001_02103_00002_mirimage/jw02733002001_02103_00002_mirimage_rateints.fits' 'https://mast.stsci.edu/api/v0.1/Download/file?bundle_name=MAST_2023-01-25T1259.sh&uri=mast:JWST/product/jw02733002001_02103_00002_mirimage_rateints.fits'
